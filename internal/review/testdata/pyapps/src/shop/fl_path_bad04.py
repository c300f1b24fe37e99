import os
from urllib.parse import unquote

from flask import Flask, request, jsonify

app = Flask(__name__)
EXPORTS = "/srv/shop/exports"


@app.delete("/exports")
def delete_export():
    name = unquote(request.headers.get("X-Export-Name", ""))
    os.remove(EXPORTS + "/" + name)
    return jsonify(deleted=name)
