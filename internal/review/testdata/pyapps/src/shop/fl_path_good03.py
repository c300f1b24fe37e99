import os

from flask import Flask, request, abort, send_file

app = Flask(__name__)
REPORTS = os.path.realpath("/srv/shop/reports")


@app.route("/reports/file")
def report_file():
    requested = request.args.get("name", "")
    full = os.path.realpath(os.path.join(REPORTS, requested))
    if not full.startswith(REPORTS + os.sep):
        abort(403)
    return send_file(full)
