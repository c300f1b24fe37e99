from flask import Flask, request, make_response

app = Flask(__name__)


@app.route("/remember")
def remember():
    resp = make_response("saved")
    resp.set_cookie("remember_me", request.args.get("token", ""), max_age=3600, secure=False, samesite="Lax")
    return resp
