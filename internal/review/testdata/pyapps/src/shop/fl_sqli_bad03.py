from flask import Blueprint, request, jsonify

from .db import get_db, order_clause

catalog = Blueprint("catalog", __name__, url_prefix="/catalog")


@catalog.get("/products")
def list_products():
    sort = request.args.get("sort", "name")
    conn = get_db()
    rows = conn.execute("SELECT id, name FROM products " + order_clause(sort)).fetchall()
    return jsonify(rows)
