from flask import Flask, request
from jinja2 import Environment

app = Flask(__name__)
templates = Environment(autoescape=True)


@app.route("/preview", methods=["POST"])
def preview():
    # autoescape protects the output, not the template's own expressions
    return templates.from_string(request.form["template"]).render()
