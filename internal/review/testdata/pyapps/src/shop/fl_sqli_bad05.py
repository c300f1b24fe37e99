from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)

FILTERABLE = ("name", "category", "colour")


@app.route("/products/filter")
def filter_products():
    clauses = []
    for key, value in request.args.items():
        if key in FILTERABLE:
            clauses.append(key + " = '" + value + "'")
    sql = "SELECT id, name FROM products"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    return jsonify(get_db().execute(sql).fetchall())
