from flask import Flask, request, jsonify
from sqlalchemy import literal_column, select, table

from .models import db

app = Flask(__name__)


@app.route("/reports/columns")
def report_columns():
    col = request.args.get("col", "name")
    stmt = select(literal_column(col)).select_from(table("products"))
    return jsonify([list(r) for r in db.session.execute(stmt)])
