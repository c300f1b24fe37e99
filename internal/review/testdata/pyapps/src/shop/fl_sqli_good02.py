from flask import Flask, request, jsonify
from sqlalchemy import text

from .models import db

app = Flask(__name__)


@app.post("/api/customers/find")
def find_customer():
    name = request.get_json()["name"]
    stmt = text("SELECT id, name FROM customers WHERE name = :name")
    rows = db.session.execute(stmt, {"name": name}).fetchall()
    return jsonify([dict(r._mapping) for r in rows])
