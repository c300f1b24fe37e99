import base64
import pickle
from flask import request


def load_prefs():
    blob = request.cookies.get("prefs")
    return pickle.loads(base64.b64decode(blob))
