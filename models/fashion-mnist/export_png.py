"""Write Fashion-MNIST as PNG files, for tend embed run and tend embed eval.

    apt-get install -y dataset-fashion-mnist python3-pil python3-numpy
    /usr/bin/python3 models/fashion-mnist/export_png.py OUT [--limit N]

Writes OUT/train/<label>/<index>.png (60,000) and OUT/test/<label>/<index>.png
(10,000), 28x28 greyscale; --limit N keeps the first N of each split.
"""
import argparse, gzip, os, struct

import numpy as np
from PIL import Image

DATA = "/usr/share/datasets/fashion-mnist"
LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = idx(prefix + "-images-idx3-ubyte.gz"), idx(prefix + "-labels-idx1-ubyte.gz")
        n = a.limit or len(images)
        for name in LABELS:
            os.makedirs(os.path.join(a.out, split, name), exist_ok=True)
        for i in range(n):
            Image.fromarray(images[i], "L").save(os.path.join(a.out, split, LABELS[labels[i]], f"{i:05d}.png"))
        print(f"{split}: {n} images")


if __name__ == "__main__":
    main()
