from urllib.parse import urlparse
from flask import redirect, request


def go():
    target = request.args.get("next", "/")
    if urlparse(target).netloc not in ("", "example.com"):
        return redirect("/")
    return redirect(target)
