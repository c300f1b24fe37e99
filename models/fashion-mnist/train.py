"""Train tend's small Fashion-MNIST embedding model and export it to ONNX.

    apt-get install -y python3-torch python3-onnx dataset-fashion-mnist
    nice -n 10 /usr/bin/python3 models/fashion-mnist/train.py

One CPU thread, a few minutes. It writes, beside this file:

  fashion-cnn.onnx   input "input" float32 [n,1,28,28], output "embedding"
                     float32 [n,128]; metadata "tend.preprocess" says how
                     tend turns an image into the input (no resize, grey,
                     Fashion-MNIST mean/std)
  golden.json        the embeddings PyTorch computes for the first test
                     images, which tend's pure-Go runtime must reproduce

and prints the test accuracy of the classifier and the 1-nearest-neighbour
accuracy (cosine) of the embeddings, which tend recomputes with its own code
(`tend embed eval`).
"""
import gzip, json, os, struct, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


class Net(nn.Module):
    """Two conv blocks and a 128-d embedding; the classifier head is for training only."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 7 * 7, 128)
        self.head = nn.Linear(128, 10)
        self.flat = nn.Flatten()

    def embed(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        return F.relu(self.fc(self.flat(x)))

    def forward(self, x):
        return self.head(F.dropout(self.embed(x), 0.3, self.training))


class Embedder(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.embed(x)


def tensor(images):
    return (torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1) - MEAN) / STD


def knn1(train, train_y, test, test_y):
    a = F.normalize(train, dim=1)
    b = F.normalize(test, dim=1)
    hits = 0
    for i in range(0, len(b), 1000):
        nn_idx = (b[i:i + 1000] @ a.T).argmax(dim=1)
        hits += (train_y[nn_idx] == test_y[i:i + 1000]).sum().item()
    return hits / len(b)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    xtr, ytr = tensor(idx("train-images-idx3-ubyte.gz")), torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    xte, yte = tensor(idx("t10k-images-idx3-ubyte.gz")), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    net = Net()
    epochs = int(os.environ.get("EPOCHS", "4"))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=epochs * (len(xtr) // 128 + 1))
    t0 = time.time()
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            j = perm[i:i + 128]
            x = xtr[j]
            if ep < epochs - 1:  # light augmentation: horizontal flips
                flip = torch.rand(len(x)) < 0.5
                x[flip] = x[flip].flip(3)
            loss = F.cross_entropy(net(x), ytr[j])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {ep + 1}: loss {loss.item():.3f} test accuracy {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)

    emb = Embedder(net).eval()
    with torch.no_grad():
        etr = torch.cat([emb(xtr[i:i + 2000]) for i in range(0, len(xtr), 2000)])
        ete = emb(xte)
    print(f"1-NN (cosine) accuracy of the embeddings: {knn1(etr, ytr, ete, yte):.4f}")
    raw = knn1(xtr.flatten(1), ytr, xte.flatten(1), yte)
    print(f"1-NN (cosine) accuracy of raw pixels:    {raw:.4f}")

    path = os.path.join(HERE, "fashion-cnn.onnx")
    torch.onnx.export(emb, xte[:1], path, input_names=["input"], output_names=["embedding"],
                      dynamic_axes={"input": {0: "n"}, "embedding": {0: "n"}}, opset_version=13)
    import onnx
    m = onnx.load(path)
    m.producer_name = "tend models/fashion-mnist/train.py"
    entry = m.metadata_props.add()
    entry.key = "tend.preprocess"
    entry.value = json.dumps({"resize": 28, "crop": 28, "channels": 1, "mean": [MEAN], "std": [STD]})
    onnx.save(m, path)

    with torch.no_grad():
        g = emb(xte[:4])
    golden = {"note": "PyTorch embeddings of the first 4 Fashion-MNIST test images (input already normalised)",
              "input": xte[:4].flatten().tolist(), "embedding": g.flatten().tolist(), "n": 4, "dim": 128}
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(golden, f)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
