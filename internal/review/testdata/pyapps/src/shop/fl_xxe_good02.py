from flask import Flask, request, jsonify
from lxml import etree

app = Flask(__name__)


@app.post("/orders/validate")
def validate_orders():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(request.data, parser)
    return jsonify(items=len(doc))
