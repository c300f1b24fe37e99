from flask import Flask, request

app = Flask(__name__)


@app.route("/greet/<nickname>")
def greet(nickname):
    lang = request.cookies.get("lang", "en")
    greeting = "Hi" if lang == "en" else "Hallo"
    html = "<div class='greeting'>"
    html += greeting + ", " + nickname
    html += "</div>"
    return html
