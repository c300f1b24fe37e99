from flask import Flask, request, render_template

app = Flask(__name__)


@app.route("/welcome")
def welcome():
    name = request.args.get("name", "guest")
    return render_template("welcome.html", name=name)
