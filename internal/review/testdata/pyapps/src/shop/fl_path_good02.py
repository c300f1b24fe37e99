from flask import Flask, send_from_directory

app = Flask(__name__)
MANUALS = "/srv/shop/manuals"


@app.route("/manuals/<name>")
def manual(name):
    return send_from_directory(MANUALS, name)
