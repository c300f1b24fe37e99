from flask import Flask, request, session, jsonify

app = Flask(__name__)


@app.post("/cart/currency")
def set_currency():
    prefs = request.get_json(force=True)
    session["currency"] = prefs.get("currency", "EUR")
    return jsonify(ok=True)
