from urllib.parse import urlparse

from flask import Flask, request, redirect

app = Flask(__name__)


@app.route("/continue")
def continue_to():
    target = request.args.get("next", "/")
    parts = urlparse(target)
    if parts.netloc or parts.scheme:
        target = "/"
    return redirect(target)
