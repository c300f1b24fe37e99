import hashlib

from flask import Flask, request, make_response

app = Flask(__name__)


@app.route("/static-bundle")
def bundle():
    body = open("/srv/shop/static/bundle.js", "rb").read()
    resp = make_response(body)
    resp.headers["ETag"] = hashlib.md5(body, usedforsecurity=False).hexdigest()
    resp.headers["Content-Type"] = "application/javascript"
    return resp
