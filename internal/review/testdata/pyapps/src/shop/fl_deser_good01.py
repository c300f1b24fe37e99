import yaml
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/import/settings")
def import_settings():
    cfg = yaml.safe_load(request.get_data())
    return jsonify(keys=list(cfg))
