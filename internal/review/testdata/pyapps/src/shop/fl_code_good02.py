from flask import Flask, jsonify, request
from jinja2 import Template

GREETING = Template("Hello {{ name }}")

app = Flask(__name__)


@app.route("/greeting2")
def greeting2():
    # A fixed template; the visitor's value is only data (and goes out as JSON).
    return jsonify(greeting=GREETING.render(name=request.args.get("name", "visitor")))
