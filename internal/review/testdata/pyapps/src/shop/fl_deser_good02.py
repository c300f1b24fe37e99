import base64
import json

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/wishlist")
def wishlist():
    raw = request.cookies.get("wishlist", "")
    items = json.loads(base64.urlsafe_b64decode(raw)) if raw else []
    return jsonify(items=items)
