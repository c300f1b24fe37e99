import os

from flask import Flask, request, jsonify
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOAD_FOLDER = "/srv/shop/uploads"


@app.route("/avatar", methods=["POST"])
def upload_avatar():
    f = request.files["avatar"]
    filename = secure_filename(f.filename)
    f.save(os.path.join(UPLOAD_FOLDER, filename))
    return jsonify(saved=filename)
