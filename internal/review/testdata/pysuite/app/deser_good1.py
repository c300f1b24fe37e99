import yaml
from flask import request


def load_conf():
    return yaml.safe_load(request.get_data())
