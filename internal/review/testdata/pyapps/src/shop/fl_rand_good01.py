import secrets

from flask import Flask, jsonify

app = Flask(__name__)


@app.post("/api-keys")
def new_api_key():
    return jsonify(key=secrets.token_urlsafe(32))
