from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.route("/reports/sales")
def sales_report():
    region = request.args["region"]
    year = request.args.get("year", "2024")
    sql = "SELECT sum(total) FROM sales WHERE region = '{region}' AND year = {year}".format(**locals())
    cur = get_db().cursor()
    cur.execute(sql)
    return jsonify(total=cur.fetchone()[0])
