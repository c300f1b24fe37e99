import random
import string

from flask import Flask, jsonify

app = Flask(__name__)


@app.post("/otp")
def send_otp():
    code = "".join(random.choices(string.digits, k=6))
    return jsonify(sent=True, length=len(code))
