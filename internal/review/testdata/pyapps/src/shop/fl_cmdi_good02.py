import os
import shlex

from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/admin/whois")
def whois():
    domain = request.args.get("domain", "")
    code = os.system("whois " + shlex.quote(domain) + " > /tmp/whois.txt")
    return jsonify(code=code)
