from flask import Flask, request, Response

app = Flask(__name__)


@app.route("/robots.txt")
def robots():
    agent = request.headers.get("User-Agent", "")
    return Response("# for " + agent + "\nUser-agent: *\nDisallow:\n", mimetype="text/plain")
