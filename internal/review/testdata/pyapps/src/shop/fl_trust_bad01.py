from flask import Flask, request, session, redirect

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    session["username"] = request.form["username"]
    return redirect("/")
