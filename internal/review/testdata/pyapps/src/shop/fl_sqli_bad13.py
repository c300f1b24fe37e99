from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/products/several")
def products_several():
    ids = request.args.getlist("id")
    rows = get_db().execute("SELECT id, name FROM products WHERE id IN (" + ",".join(ids) + ")").fetchall()
    return jsonify(rows)
