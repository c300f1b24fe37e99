from flask import Flask

app = Flask(__name__)


@app.route("/categories/<slug>")
def category(slug):
    parts = []
    for word in slug.split("-"):
        parts.append("<span>" + word.capitalize() + "</span>")
    return "<nav>" + "".join(parts) + "</nav>"
