import secrets

from flask import Flask, session, jsonify

app = Flask(__name__)


@app.route("/csrf")
def csrf_token():
    session["csrf"] = secrets.token_hex(16)
    session["visits"] = session.get("visits", 0) + 1
    return jsonify(token=session["csrf"])
