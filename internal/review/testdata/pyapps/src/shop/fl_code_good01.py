import ast

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/parse")
def parse_literal():
    value = ast.literal_eval(request.args.get("v", "0"))
    return jsonify(value=value)
