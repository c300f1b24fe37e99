from flask import Flask, request, jsonify

from .db import run_query

app = Flask(__name__)


@app.route("/inventory")
def inventory():
    warehouse = request.args.get("warehouse", "main")
    filters = {"warehouse": warehouse, "state": "in_stock"}
    sql = "SELECT sku, qty FROM stock WHERE state = '" + filters["state"] + "' AND warehouse = ?"
    return jsonify(run_query(sql, (filters["warehouse"],)))
