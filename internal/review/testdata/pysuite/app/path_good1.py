import os
from flask import request, send_file
from werkzeug.utils import secure_filename

BASE = "/srv/files"


def download():
    name = secure_filename(request.args["name"])
    return send_file(os.path.join(BASE, name))
