from flask import Flask, jsonify

from .directory import directory

app = Flask(__name__)
TEAMS = {"sales", "support", "engineering"}


@app.route("/staff/team/<team>")
def staff_team(team):
    if team not in TEAMS:
        return jsonify(error="unknown team"), 404
    conn = directory()
    conn.search("ou=staff,dc=shop,dc=example", f"(ou={team})", attributes=["cn"])
    return jsonify([str(e.cn) for e in conn.entries])
