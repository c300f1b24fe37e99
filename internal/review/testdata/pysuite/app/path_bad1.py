import os
from flask import request, send_file

BASE = "/srv/files"


def download():
    name = request.args["name"]
    return send_file(os.path.join(BASE, name))
