from flask import Flask, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/users/<user_id>/orders")
def user_orders(user_id):
    cur = get_db().cursor()
    cur.execute("SELECT id, total FROM orders WHERE user_id = ?", (user_id,))
    return jsonify(cur.fetchall())
