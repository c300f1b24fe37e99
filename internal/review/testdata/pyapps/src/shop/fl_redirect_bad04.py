from flask import Flask, request, redirect

app = Flask(__name__)


@app.route("/jump")
def jump():
    host = request.args.get("host", "www")
    return redirect("https://" + host + ".shop.example/")
