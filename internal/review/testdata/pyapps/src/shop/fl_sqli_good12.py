from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/products/many")
def products_many():
    ids = request.args.getlist("id")
    marks = ",".join(["?"] * len(ids))
    rows = get_db().execute(f"SELECT id, name FROM products WHERE id IN ({marks})", ids).fetchall()
    return jsonify(rows)
