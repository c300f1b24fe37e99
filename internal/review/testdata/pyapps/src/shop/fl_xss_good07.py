from flask import Flask, request

app = Flask(__name__)


@app.post("/api/settings")
def save_settings():
    settings = request.get_json()
    return settings
