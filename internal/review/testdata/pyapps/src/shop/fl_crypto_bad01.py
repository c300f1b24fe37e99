import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt_card(key: bytes, number: bytes) -> bytes:
    iv = os.urandom(8)
    enc = Cipher(algorithms.TripleDES(key), modes.CBC(iv)).encryptor()
    return iv + enc.update(number) + enc.finalize()
