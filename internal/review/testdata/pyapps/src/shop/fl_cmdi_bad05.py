import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/admin/archive")
def archive():
    names = request.form.getlist("files")
    cmd = "zip /tmp/out.zip"
    for n in names:
        cmd += " " + n
    subprocess.call(cmd, shell=True)
    return "ok"
