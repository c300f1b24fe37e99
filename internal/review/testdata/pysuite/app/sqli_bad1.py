from flask import Flask, request
from app import db

app = Flask(__name__)


@app.route("/users")
def users():
    name = request.args.get("name", "")
    cur = db.connect().cursor()
    cur.execute("SELECT id FROM users WHERE name = '%s'" % name)
    return {"rows": cur.fetchall()}
