import hashlib
import os


def derive(password):
    salt = os.urandom(16)
    return hashlib.pbkdf2_hmac("sha1", password, salt, 600000)
