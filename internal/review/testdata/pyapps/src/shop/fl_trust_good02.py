from flask import Flask, request, session, redirect, abort
from werkzeug.security import check_password_hash

from .models import db

app = Flask(__name__)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(120))
    pw_hash = db.Column(db.String(200))


@app.post("/signin")
def signin():
    user = User.query.filter_by(email=request.form["email"]).first()
    if user is None or not check_password_hash(user.pw_hash, request.form["password"]):
        abort(401)
    session["user_id"] = user.id
    return redirect("/")
