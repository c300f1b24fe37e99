from flask import Flask, request, redirect, url_for

app = Flask(__name__)


@app.route("/profile/go")
def go_profile():
    name = request.args.get("name", "")
    return redirect(url_for("profile", username=name))
