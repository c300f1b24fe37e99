import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/session/start")
def start_session():
    resp = make_response("ok")
    resp.set_cookie("sid", secrets.token_hex(16), httponly=True)
    return resp
