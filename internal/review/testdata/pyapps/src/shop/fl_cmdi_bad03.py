import subprocess

from flask import Blueprint, request

tools = Blueprint("tools", __name__)


@tools.post("/dns")
def dns_lookup():
    domain = request.json.get("domain")
    out = subprocess.check_output(["bash", "-c", "nslookup " + domain])
    return out.decode()
