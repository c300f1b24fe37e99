from flask import Flask, request, jsonify
from lxml import etree

app = Flask(__name__)


@app.post("/feeds/import")
def import_feed():
    parser = etree.XMLParser(resolve_entities=True)
    root = etree.fromstring(request.data, parser)
    return jsonify(items=len(root))
