from flask import Flask, request, redirect

app = Flask(__name__)


@app.route("/back")
def back():
    return redirect(request.referrer or "/")
