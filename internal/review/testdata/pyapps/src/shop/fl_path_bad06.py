import os

from flask import Flask, jsonify
from flask.views import MethodView

app = Flask(__name__)
SPOOL = "/var/spool/shop"


class SpoolAPI(MethodView):
    def get(self, job):
        return jsonify(lines=open(os.path.join(SPOOL, job)).read().splitlines())

    def delete(self, job):
        os.unlink(os.path.join(SPOOL, job))
        return "", 204


app.add_url_rule("/spool/<job>", view_func=SpoolAPI.as_view("spool"))
