import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.post("/admin/archive2")
def archive2():
    args = ["zip", "/tmp/out.zip"]
    args += request.form.getlist("files")
    subprocess.call(args)
    return "ok"
