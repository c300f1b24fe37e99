from flask import Flask, request, jsonify
from lxml import etree

app = Flask(__name__)
CATALOG = etree.parse("/srv/shop/catalog.xml")


@app.route("/catalog/sku")
def sku():
    code = request.args.get("code", "")
    nodes = CATALOG.xpath(f"//product[@sku='{code}']/name/text()")
    return jsonify(names=[str(n) for n in nodes])
