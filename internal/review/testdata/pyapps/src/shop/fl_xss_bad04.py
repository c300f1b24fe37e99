from flask import Blueprint, request, make_response

search = Blueprint("search", __name__)


@search.route("/search")
def results():
    q = request.args.get("q", "")
    resp = make_response("<p>No results for %s</p>" % q, 404)
    resp.headers["Content-Type"] = "text/html"
    return resp
