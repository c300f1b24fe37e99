import os

from flask import Flask, request, send_file

app = Flask(__name__)
INVOICE_DIR = "/srv/shop/invoices"


@app.route("/invoices/download")
def download_invoice():
    name = request.args.get("file")
    return send_file(os.path.join(INVOICE_DIR, name), as_attachment=True)
