from flask import request
from app.db import connect


def search():
    terms = request.form.getlist("q")
    where = " OR ".join(f"title LIKE '%{t}%'" for t in terms)
    conn = connect()
    conn.execute("SELECT * FROM books WHERE " + where)
