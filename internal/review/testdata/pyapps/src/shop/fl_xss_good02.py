from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/echo")
def echo():
    msg = request.args.get("msg", "")
    return f"<p>You said: {escape(msg)}</p>"
