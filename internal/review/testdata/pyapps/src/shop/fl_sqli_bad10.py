from flask import Flask
from flask_restful import Api, Resource, reqparse

from .db import get_db

app = Flask(__name__)
api = Api(app)


class Warehouse(Resource):
    def get(self, code):
        row = get_db().execute("SELECT name FROM warehouses WHERE code = '" + code + "'").fetchone()
        return {"name": row[0]}

    def post(self, code):
        parser = reqparse.RequestParser()
        parser.add_argument("name", required=True)
        args = parser.parse_args()
        get_db().execute("UPDATE warehouses SET name = '%s' WHERE code = ?" % args["name"], (code,))
        return {"ok": True}


api.add_resource(Warehouse, "/warehouses/<code>")
