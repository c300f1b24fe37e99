import os
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def seal(key, data):
    nonce = os.urandom(12)
    enc = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    return nonce + enc.update(data) + enc.finalize()
