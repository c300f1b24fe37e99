import os

from flask import Flask, request, jsonify

app = Flask(__name__)
LABELS = "/srv/shop/labels"


@app.route("/labels")
def label():
    name = os.path.basename(request.args.get("name", ""))
    if not name.endswith(".pdf"):
        return jsonify(error="pdf only"), 400
    with open(os.path.join(LABELS, name), "rb") as fh:
        return fh.read(), 200, {"Content-Type": "application/pdf"}
