import subprocess
from flask import request


def convert():
    size = request.headers.get("X-Size")
    subprocess.run(["convert", "in.png", "-resize", size, "out.png"], check=True)
