import hashlib


def api_key_fingerprint(key: str) -> str:
    h = hashlib.new("sha1")
    h.update(key.encode("utf-8"))
    return h.hexdigest()
