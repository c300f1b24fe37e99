from flask import Flask, request, jsonify
from ldap3 import Server, Connection, ALL

app = Flask(__name__)


@app.route("/directory/user")
def directory_user():
    uid = request.args.get("uid", "")
    conn = Connection(Server("ldap://ldap.internal", get_info=ALL), auto_bind=True)
    conn.search("ou=people,dc=shop,dc=example", f"(&(objectClass=person)(uid={uid}))", attributes=["cn", "mail"])
    return jsonify([str(e) for e in conn.entries])
