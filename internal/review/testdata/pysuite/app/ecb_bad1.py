from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def seal(key, data):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()
