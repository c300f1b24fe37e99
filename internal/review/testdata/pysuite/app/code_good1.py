import ast
from flask import request


def calc():
    expr = request.args.get("expr")
    return str(ast.literal_eval(expr))
