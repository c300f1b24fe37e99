from flask import Blueprint, request, jsonify

from .db import run_query

ratings = Blueprint("ratings", __name__)


@ratings.get("/ratings")
def list_ratings():
    product = request.args.get("product", "")
    return jsonify(run_query("SELECT avg(stars) FROM reviews WHERE product = ?", (product,)))
