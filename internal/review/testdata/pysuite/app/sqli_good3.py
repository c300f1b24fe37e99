from flask import request
from app import db


def users():
    name = db.quote_free(request.args.get("name", ""))
    page = int(request.args.get("page", "1"))
    cur = db.connect().cursor()
    cur.execute(f"SELECT id FROM users WHERE name = '{name}' LIMIT 10 OFFSET {page * 10}")
    return cur.fetchall()
