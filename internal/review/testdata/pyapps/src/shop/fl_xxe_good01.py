from defusedxml import ElementTree
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/feeds/preview")
def preview_feed():
    root = ElementTree.fromstring(request.data)
    return jsonify(items=len(list(root)))
