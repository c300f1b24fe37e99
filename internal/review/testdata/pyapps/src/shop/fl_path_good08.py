from flask import Flask, request, abort, send_file
from werkzeug.security import safe_join

app = Flask(__name__)


@app.route("/brochures")
def brochures():
    path = safe_join("/srv/shop/brochures", request.args.get("name", ""))
    if path is None:
        abort(404)
    return send_file(path)
