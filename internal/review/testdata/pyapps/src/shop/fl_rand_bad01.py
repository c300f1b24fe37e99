import random
import string

from flask import Flask, jsonify

app = Flask(__name__)
ALPHABET = string.ascii_letters + string.digits


@app.post("/password-reset")
def password_reset():
    token = "".join(random.choice(ALPHABET) for _ in range(32))
    return jsonify(token=token)
