from flask import Flask, request, send_from_directory

app = Flask(__name__)


@app.route("/tenant-assets")
def tenant_assets():
    tenant = request.args.get("tenant", "default")
    return send_from_directory("/srv/shop/tenants/" + tenant, "logo.png")
