from flask import Flask, request, jsonify

app = Flask(__name__)


@app.post("/rules/test")
def test_rule():
    rule = request.get_json()["rule"]
    scope = {"order_total": 120}
    exec("matched = " + rule, {}, scope)
    return jsonify(matched=scope.get("matched"))
