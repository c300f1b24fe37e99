from flask import Blueprint, request, redirect

auth = Blueprint("auth", __name__)


def after_login_target():
    return request.form.get("return_to") or request.referrer or "/"


@auth.post("/login")
def do_login():
    return redirect(after_login_target())
