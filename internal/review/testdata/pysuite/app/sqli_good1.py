from flask import request
from app import db


def users():
    name = request.args.get("name", "")
    cur = db.connect().cursor()
    cur.execute("SELECT id FROM users WHERE name = ?", (name,))
    return cur.fetchall()
