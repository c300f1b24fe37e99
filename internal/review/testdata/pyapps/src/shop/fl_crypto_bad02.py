from Crypto.Cipher import AES
from Crypto.Util.Padding import pad


def seal_token(key: bytes, token: bytes) -> bytes:
    cipher = AES.new(key, AES.MODE_ECB)
    return cipher.encrypt(pad(token, 16))
