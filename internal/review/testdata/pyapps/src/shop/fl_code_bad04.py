from flask import Flask, request
from jinja2 import Template

app = Flask(__name__)


@app.route("/greeting")
def greeting():
    # The visitor chooses the template itself: {{ ''.__class__... }} runs
    # code on the server (server-side template injection).
    source = request.args.get("tpl", "Hello {{ name }}")
    return Template(source).render(name="visitor")
