from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/reports/formula")
def formula():
    expr = request.form.get("formula", "0")
    code = compile(expr, "<formula>", "eval")
    return jsonify(value=eval(code, {"__builtins__": {}}, {"x": 3}))
