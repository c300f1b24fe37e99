import ipaddress
import subprocess

from flask import Flask, request, jsonify, abort

app = Flask(__name__)


@app.route("/admin/reachable")
def reachable():
    try:
        addr = ipaddress.ip_address(request.args.get("ip", ""))
    except ValueError:
        abort(400)
    rc = subprocess.call(f"ping -c 1 -W 1 {addr} > /dev/null", shell=True)
    return jsonify(up=rc == 0)
