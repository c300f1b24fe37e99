"""Docstring."""
import os.path as osp
from app import db, util as u

LIMIT = 10 * 3


@app.route("/x", methods=["POST"])
def handler(a, *rest, b=1, **kw):
    s = f"id={a!r} and {b}" if a else 'none\n'
    x, y = y, x
    d = {"k": [1, 2], **kw}
    d["k"] += [3]
    for i, v in enumerate(rest):
        if v is None or i > 2:
            continue
        elif v in ("a", "b"):
            break
        else:
            pass
    while LIMIT > 0 and not d:
        raise ValueError("x")
    try:
        with open(osp.join("/t", s)) as fh, lock:
            return fh.read()[1:-1]
    except (OSError, KeyError) as e:
        return [c.upper() for c in str(e) if c]
    finally:
        del d
    match s[0]:
        case "a" | "b":
            return lambda q: q
        case _:
            return u.f(x=1)


class Wrapper(Base):
    name = "w"

    def get(self, key):
        return self.data.get(key, None)
