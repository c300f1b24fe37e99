from flask import Flask, request, render_template
from markupsafe import Markup

app = Flask(__name__)


@app.route("/reviews/new", methods=["POST"])
def new_review():
    comment = request.form["comment"]
    return render_template("review.html", comment=Markup(f"<p>{comment}</p>"))
