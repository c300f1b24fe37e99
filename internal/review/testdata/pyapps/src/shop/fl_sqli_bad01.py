from flask import Flask, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/users/<user_id>")
def show_user(user_id):
    cur = get_db().cursor()
    cur.execute(f"SELECT id, email FROM users WHERE id = {user_id}")
    row = cur.fetchone()
    return jsonify(id=row[0], email=row[1])
