import pathlib
from flask import request, abort

ROOT = pathlib.Path("/srv/notes")


def read_note():
    note = request.cookies.get("note", "default")
    path = (ROOT / note).resolve()
    if not str(path).startswith(str(ROOT)):
        abort(404)
        return ""
    return path.read_text()
