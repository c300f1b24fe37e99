import subprocess

from flask import Flask, request, jsonify

app = Flask(__name__)

SERVICES = {"web": "nginx", "db": "postgresql", "cache": "redis-server"}


@app.route("/admin/restart/<service>")
def restart(service):
    unit = SERVICES.get(service)
    if unit is None:
        return jsonify(error="unknown service"), 404
    subprocess.run("systemctl restart " + unit, shell=True, check=True)
    return jsonify(restarted=unit)
