from flask import Flask, jsonify, request
from jinja2.sandbox import SandboxedEnvironment

app = Flask(__name__)
sandbox = SandboxedEnvironment()


@app.route("/preview2", methods=["POST"])
def preview2():
    # user-authored templates, rendered in Jinja2's sandbox
    text = sandbox.from_string(request.form["template"]).render()
    return jsonify(preview=text)
