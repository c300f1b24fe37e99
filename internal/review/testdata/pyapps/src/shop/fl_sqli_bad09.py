from flask import Flask, request, jsonify

from .models import db

app = Flask(__name__)


@app.route("/coupons/<code>")
def coupon(code):
    row = db.session.execute("SELECT discount FROM coupons WHERE code = '%s'" % code).first()
    return jsonify(discount=row[0] if row else 0)
