from flask import Blueprint, request, jsonify

from .db import run_query

reviews = Blueprint("reviews", __name__)


@reviews.get("/reviews")
def list_reviews():
    product = request.args.get("product", "")
    return jsonify(run_query("SELECT stars, body FROM reviews WHERE product = '" + product + "'"))
