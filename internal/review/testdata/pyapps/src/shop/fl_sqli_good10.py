from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/orders/recent")
def recent_orders():
    customer = request.args.get("customer", type=int)
    limit = request.args.get("limit", 10, type=int)
    sql = f"SELECT id FROM orders WHERE customer_id = {customer} ORDER BY id DESC LIMIT {limit}"
    return jsonify(get_db().execute(sql).fetchall())
