import hashlib

ALG = "sha1"


def digest(data):
    h = hashlib.new(ALG)
    h.update(data)
    return h.hexdigest()
