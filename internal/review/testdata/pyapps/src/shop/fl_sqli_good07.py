from flask import Flask, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/orders/<int:order_id>")
def order(order_id):
    row = get_db().execute(f"SELECT id, total FROM orders WHERE id = {order_id}").fetchone()
    return jsonify(id=row[0], total=row[1])
