from flask import Flask, request, make_response, render_template

app = Flask(__name__)


@app.route("/invoice/preview")
def invoice_preview():
    resp = make_response(render_template("invoice.html", customer=request.args.get("customer", "")))
    resp.headers["Cache-Control"] = "no-store"
    return resp
