import yaml
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/import/config")
def import_config():
    cfg = yaml.load(request.data, Loader=yaml.Loader)
    return jsonify(keys=list(cfg))
