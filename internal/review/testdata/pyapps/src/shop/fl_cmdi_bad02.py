import os

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/images/thumbnail", methods=["POST"])
def thumbnail():
    upload = request.files["image"]
    path = "/tmp/" + upload.filename
    upload.save("/tmp/upload.bin")
    os.system("convert /tmp/upload.bin -resize 128x128 " + path)
    return jsonify(ok=True)
