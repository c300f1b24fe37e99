from flask import Flask, request, jsonify
from lxml import etree

app = Flask(__name__)
CATALOG = etree.parse("/srv/shop/catalog.xml")


@app.route("/catalog/sku2")
def sku2():
    code = request.args.get("code", "")
    nodes = CATALOG.xpath("//product[@sku=$code]/name/text()", code=code)
    return jsonify(names=[str(n) for n in nodes])
