from flask import Flask, request, jsonify
from sqlalchemy import text

from .models import db

app = Flask(__name__)


@app.post("/api/customers/lookup")
def lookup_customer():
    payload = request.get_json()
    name = payload["name"]
    sql = "SELECT id, name FROM customers WHERE name LIKE '%%%s%%'" % name
    rows = db.session.execute(text(sql)).fetchall()
    return jsonify([dict(r._mapping) for r in rows])
