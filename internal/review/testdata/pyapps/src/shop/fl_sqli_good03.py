from flask import Blueprint, request, jsonify

from .models import Product, db

shop = Blueprint("shop", __name__)


@shop.route("/products/search")
def search_products():
    category = request.args.get("category", "")
    products = Product.query.filter_by(category=category).all()
    named = db.session.query(Product).filter(Product.name == request.args.get("name")).all()
    return jsonify([p.name for p in products + named])
