import subprocess

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/admin/trace", methods=["POST"])
def trace():
    host = request.form["host"]
    result = subprocess.run(["traceroute", "-m", "10", host], shell=False, capture_output=True, text=True)
    return jsonify(output=result.stdout)
