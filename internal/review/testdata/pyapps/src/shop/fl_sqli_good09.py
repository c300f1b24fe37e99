from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/customers/filter")
def customers_filter():
    conds, params = [], []
    if request.args.get("city"):
        conds.append("city = ?")
        params.append(request.args["city"])
    if request.args.get("tier"):
        conds.append("tier = ?")
        params.append(request.args["tier"])
    sql = "SELECT id FROM customers"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return jsonify(get_db().execute(sql, params).fetchall())
