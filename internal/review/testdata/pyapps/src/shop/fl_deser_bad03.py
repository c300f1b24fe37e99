import pickle

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/models/upload")
def upload_model():
    model = pickle.load(request.files["model"])
    return jsonify(kind=type(model).__name__)
