from flask import Flask, jsonify
from lxml import etree

app = Flask(__name__)


@app.route("/catalog/item/<int:item_id>")
def catalog_item_by_id(item_id):
    root = etree.parse("/srv/shop/catalog.xml").getroot()
    node = root.find(f"./item[@id='{item_id}']")
    return jsonify(found=node is not None)
