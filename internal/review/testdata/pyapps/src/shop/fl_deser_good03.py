import yaml
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/import/labels")
def import_labels():
    doc = yaml.load(request.get_data(), Loader=yaml.BaseLoader)
    return jsonify(labels=doc)
