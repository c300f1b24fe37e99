from flask import Flask, request, jsonify

from .directory import directory

app = Flask(__name__)


@app.route("/staff/by-team/<team>")
def staff_by_team(team):
    conn = directory()
    conn.search("ou=staff,dc=shop,dc=example", "(&(objectClass=person)(ou=%s))" % team, attributes=["cn"])
    return jsonify([str(e.cn) for e in conn.entries])
