from flask import Flask, request, send_file

from .security import public_path

app = Flask(__name__)


@app.route("/public")
def public_file():
    return send_file(public_path(request.args.get("name", "index.html")))
