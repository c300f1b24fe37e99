from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/api/echo")
def api_echo():
    msg = request.args.get("msg", "")
    return jsonify(message=msg, length=len(msg))


@app.route("/api/echo2")
def api_echo2():
    return {"message": request.args.get("msg", "")}
