import os

from flask import Flask, request

from .security import login_required

app = Flask(__name__)
NOTES = "/srv/shop/notes"


@app.route("/notes", methods=["GET", "POST"])
@login_required
def notes():
    title = request.values.get("title", "todo")
    with open(os.path.join(NOTES, title + ".txt"), "a") as fh:
        fh.write(request.values.get("text", ""))
    return "saved", 201
