import hashlib
import os

ROUNDS = 1000


def derive(password):
    return hashlib.pbkdf2_hmac("sha256", password, os.urandom(16), ROUNDS)
