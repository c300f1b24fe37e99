import psycopg2
from flask import Flask, request, jsonify
from psycopg2 import sql

app = Flask(__name__)
TABLES = ("orders", "invoices")


@app.route("/admin/count")
def count_rows():
    table = request.args.get("table", "orders")
    conn = psycopg2.connect("dbname=shop")
    cur = conn.cursor()
    cur.execute(sql.SQL("SELECT count(*) FROM {} WHERE shop_id = %s").format(sql.Identifier(table)), (1,))
    return jsonify(count=cur.fetchone()[0])
