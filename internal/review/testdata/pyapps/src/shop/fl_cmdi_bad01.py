import subprocess

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/admin/ping", methods=["POST"])
def ping():
    host = request.form["host"]
    result = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)
    return jsonify(output=result.stdout)
