from flask import request
from app import db


def users():
    name = request.args.get("name", "")
    columns = {"short": "id", "long": "id, name, email"}
    columns["user"] = name
    cur = db.connect().cursor()
    cur.execute("SELECT " + columns["long"] + " FROM users")
    return cur.fetchall()
