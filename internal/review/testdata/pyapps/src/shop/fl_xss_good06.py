from flask import Flask, request

app = Flask(__name__)


@app.route("/debug/echo")
def debug_echo():
    return request.args.get("q", ""), 200, {"Content-Type": "text/plain; charset=utf-8"}
