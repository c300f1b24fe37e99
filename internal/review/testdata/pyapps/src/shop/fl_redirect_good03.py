from flask import Flask, request, redirect

app = Flask(__name__)

PARTNERS = {
    "acme": "https://acme.example/welcome",
    "globex": "https://globex.example/start",
}


@app.route("/partner")
def partner():
    target = PARTNERS.get(request.args.get("p", ""), "/")
    return redirect(target)
