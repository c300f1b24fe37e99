from flask import Flask, request

app = Flask(__name__)


@app.post("/comments/preview")
def comment_preview():
    return request.form["comment"]
