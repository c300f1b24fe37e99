from cryptography.fernet import Fernet
from Crypto.Cipher import AES


def protect(key: bytes, data: bytes) -> bytes:
    return Fernet(key).encrypt(data)


def protect_gcm(key: bytes, data: bytes):
    cipher = AES.new(key, AES.MODE_GCM)
    ct, tag = cipher.encrypt_and_digest(data)
    return cipher.nonce, ct, tag
