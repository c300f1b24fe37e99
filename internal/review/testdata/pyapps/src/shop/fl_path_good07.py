from pathlib import Path

from flask import Flask, request, abort, send_file

app = Flask(__name__)
MEDIA = Path("/srv/shop/media").resolve()


@app.route("/media")
def media():
    target = (MEDIA / request.args.get("path", "")).resolve()
    if not target.is_relative_to(MEDIA):
        abort(404)
    return send_file(target)
