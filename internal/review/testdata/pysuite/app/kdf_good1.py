import hashlib
import os


def derive(password):
    return hashlib.pbkdf2_hmac("sha256", password, os.urandom(16), 600_000)
