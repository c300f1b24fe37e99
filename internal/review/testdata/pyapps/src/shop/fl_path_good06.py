import os

from flask import Flask, request, abort, send_file

app = Flask(__name__)
BASE = "/srv/shop/downloads"


@app.route("/dl")
def dl():
    name = request.args.get("f", "")
    path = os.path.normpath(os.path.join(BASE, name))
    if not path.startswith(BASE + "/"):
        abort(400)
    return send_file(path)
