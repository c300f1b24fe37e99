from flask import Flask, request, jsonify, abort

from .db import get_db

app = Flask(__name__)

SORT_COLUMNS = {"name", "price", "created_at"}


@app.route("/products/sorted")
def sorted_products():
    sort = request.args.get("sort", "name")
    if sort not in SORT_COLUMNS:
        abort(400)
    rows = get_db().execute(f"SELECT id, name FROM products ORDER BY {sort}").fetchall()
    return jsonify(rows)
