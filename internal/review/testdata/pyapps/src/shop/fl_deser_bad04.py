import joblib
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/ml/predict")
def predict():
    model = joblib.load(request.files["model"])
    return jsonify(prediction=model.predict([[1, 2, 3]]).tolist())
