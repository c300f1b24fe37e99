"""Input checks shared by the shop's views."""
import functools
import os

from flask import session, abort

SAFE_ROOT = "/srv/shop/public"


def public_path(name):
    return os.path.join(SAFE_ROOT, os.path.basename(name))


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if "user" not in session:
            abort(401)
        return view(*args, **kwargs)

    return wrapped
