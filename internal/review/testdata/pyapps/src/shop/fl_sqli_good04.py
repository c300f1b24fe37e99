from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/products/page")
def product_page():
    page = int(request.args.get("page", 1))
    size = min(int(request.args.get("size", 20)), 100)
    sql = f"SELECT id, name FROM products LIMIT {size} OFFSET {(page - 1) * size}"
    return jsonify(get_db().execute(sql).fetchall())
