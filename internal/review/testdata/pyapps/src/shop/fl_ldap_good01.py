from flask import Flask, request, jsonify
from ldap3 import Server, Connection
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)


@app.route("/directory/lookup")
def directory_lookup():
    uid = escape_filter_chars(request.args.get("uid", ""))
    conn = Connection(Server("ldap://ldap.internal"), auto_bind=True)
    conn.search("ou=people,dc=shop,dc=example", "(uid=%s)" % uid, attributes=["cn"])
    return jsonify([str(e) for e in conn.entries])
