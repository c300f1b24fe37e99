import os

from flask import Flask

app = Flask(__name__)
THEMES = "/srv/shop/themes"


@app.route("/themes/<path:theme_file>")
def theme_asset(theme_file):
    with open(os.path.join(THEMES, theme_file)) as fh:
        return fh.read(), 200, {"Content-Type": "text/css"}
