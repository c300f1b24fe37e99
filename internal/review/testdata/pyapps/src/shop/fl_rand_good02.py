import random
import string

_rng = random.SystemRandom()


def voucher_code(n: int = 12) -> str:
    return "".join(_rng.choice(string.ascii_uppercase) for _ in range(n))
