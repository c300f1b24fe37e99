import json

from flask import Flask, request, jsonify

from .db import get_db, products_where

app = Flask(__name__)


@app.route("/products/by", methods=["POST"])
def products_by():
    data = json.loads(request.data)
    field = data.get("field", "name")
    if field not in ("name", "category"):
        return jsonify(error="bad field"), 400
    sql = products_where(field, data["value"])
    return jsonify(get_db().execute(sql).fetchall())
