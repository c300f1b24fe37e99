import hashlib

from flask import Flask, request, jsonify

from .db import get_db

app = Flask(__name__)


@app.post("/register")
def register():
    email = request.form["email"]
    digest = hashlib.md5(request.form["password"].encode()).hexdigest()
    get_db().execute("INSERT INTO users (email, pw) VALUES (?, ?)", (email, digest))
    return jsonify(ok=True)
