from flask import Flask, request, session, jsonify

app = Flask(__name__)


@app.post("/prefs")
def prefs():
    session.update(theme=request.form.get("theme", "light"), lang=request.form.get("lang", "en"))
    return jsonify(ok=True)
