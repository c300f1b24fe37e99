import pathlib
from flask import request

ROOT = pathlib.Path("/srv/notes")


def read_note():
    note = request.cookies.get("note", "default")
    path = ROOT / note
    return path.read_text()
