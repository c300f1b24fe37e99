from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes


def legacy_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()
