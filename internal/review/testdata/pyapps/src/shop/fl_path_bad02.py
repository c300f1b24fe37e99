import os

from flask import Flask, request, redirect, url_for

app = Flask(__name__)
UPLOAD_FOLDER = "/srv/shop/uploads"


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["document"]
    f.save(os.path.join(UPLOAD_FOLDER, f.filename))
    return redirect(url_for("uploaded"))
