from flask import Flask, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/hi")
def hi():
    name = request.args.get("name", "")
    return Markup("<strong>Hello {}</strong>").format(name)
