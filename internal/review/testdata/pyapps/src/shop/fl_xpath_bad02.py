from flask import Flask, request, jsonify
from lxml import etree

app = Flask(__name__)


@app.route("/catalog/item")
def catalog_item():
    root = etree.parse("/srv/shop/catalog.xml").getroot()
    node = root.find("./item[@id='" + request.args.get("id", "") + "']")
    return jsonify(found=node is not None)
