import os
from flask import request

ALLOWED = ["a.txt", "b.txt"]


def show():
    name = request.args.get("f")
    if name not in ALLOWED:
        return "no"
    with open(os.path.join("/srv", name)) as fh:
        return fh.read()
