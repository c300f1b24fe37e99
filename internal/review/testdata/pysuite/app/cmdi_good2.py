import shlex
import subprocess
from flask import request


def ping():
    host = request.values.get("host")
    subprocess.run("ping -c 1 " + shlex.quote(host), shell=True)
