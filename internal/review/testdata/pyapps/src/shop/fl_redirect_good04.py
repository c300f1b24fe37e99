from flask import Flask, request, redirect

app = Flask(__name__)


@app.route("/u/<username>/go")
def user_home(username):
    tab = request.args.get("tab", "posts")
    return redirect(f"/users/{username}?tab={tab}")
