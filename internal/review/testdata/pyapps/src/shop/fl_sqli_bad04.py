from flask import request, jsonify
from flask.views import MethodView

from .db import get_db


class OrderSearch:
    def __init__(self, status):
        self.status = status

    def sql(self):
        return "SELECT id, total FROM orders WHERE status = '" + self.status + "'"


class OrdersAPI(MethodView):
    def get(self):
        search = OrderSearch(request.args.get("status", "open"))
        rows = get_db().execute(search.sql()).fetchall()
        return jsonify(rows)
