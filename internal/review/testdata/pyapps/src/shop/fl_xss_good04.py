import html

from flask import Flask

app = Flask(__name__)


@app.route("/tags/<tag>")
def tag_page(tag):
    return "<h2>Posts tagged " + html.escape(tag) + "</h2>"
