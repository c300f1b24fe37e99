"""Make the transform package's test images and torchvision's answers for them.

    apt-get install -y python3-torch python3-torchvision python3-pil python3-onnx
    cd internal/embed/transform/testdata && /usr/bin/python3 golden.py

Writes images/*.{png,gif,jpg} (made here, deterministic), and for each
golden/NAME.crop.png: torchvision's Resize(256) + CenterCrop(224) of
Image.open(f).convert("RGB") (8-bit, lossless), and golden/NAME.json: values of
ToTensor() + Normalize(ImageNet) at sampled positions. With ../../../shared
models present (the seed's resnet18-512.onnx, exported from
torchvision.models.resnet18 with torch.manual_seed(0)), also
golden/resnet18.json: the 512-d embedding PyTorch computes for
images/gradient.png, after checking that the ONNX file's weights are that
model's (BatchNorm folded).
"""
import json, os, random

import numpy as np
from PIL import Image
import torch, torchvision
from torchvision import transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(HERE, "images"), exist_ok=True)
os.makedirs(os.path.join(HERE, "golden"), exist_ok=True)
rng = np.random.default_rng(7)


def pattern(w, h):
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1))
    g = (y * 255 // max(h - 1, 1))
    b = ((x // 16 + y // 16) % 2) * 200 + 20
    img = np.stack([r, g, b], -1).astype(np.int32) + rng.integers(-12, 13, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


images = {}
images["gradient.png"] = Image.fromarray(pattern(341, 256))
images["tall.png"] = Image.fromarray(pattern(227, 301))
rgba = np.concatenate([pattern(300, 257), rng.integers(0, 256, (257, 300, 1)).astype(np.uint8)], -1)
images["alpha.png"] = Image.fromarray(rgba, "RGBA")
images["grey.png"] = Image.fromarray(pattern(260, 300)[:, :, 0], "L")
images["palette.gif"] = Image.fromarray(pattern(280, 250)).quantize(64)
images["photo.jpg"] = Image.fromarray(pattern(320, 240))
images["small.png"] = Image.fromarray(pattern(100, 80))  # upscaled
images["odd.jpg"] = Image.fromarray(pattern(321, 243))  # 4:2:0 with odd sizes
images["odd422.jpg"] = Image.fromarray(pattern(263, 229))  # 4:2:2
for name, im in images.items():
    path = os.path.join(HERE, "images", name)
    if name == "odd422.jpg":
        im.save(path, quality=90, subsampling=1)
    elif name.endswith(".jpg"):
        im.save(path, quality=90)
    else:
        im.save(path)

crop = T.Compose([T.Resize(256), T.CenterCrop(224)])
norm = T.Compose([T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
for name in images:
    im = Image.open(os.path.join(HERE, "images", name)).convert("RGB")
    c = crop(im)
    base = os.path.splitext(name)[0]
    c.save(os.path.join(HERE, "golden", base + ".crop.png"))
    t = norm(c)
    random.seed(name)
    samples = [[random.randrange(3), random.randrange(224), random.randrange(224)] for _ in range(64)]
    json.dump({"source": name, "samples": [[ch, y, x, float(t[ch, y, x])] for ch, y, x in samples]},
              open(os.path.join(HERE, "golden", base + ".json"), "w"))

model = os.path.join(HERE, "../../../../../shared/models/resnet18-512.onnx")
if os.path.exists(model):
    import onnx
    from onnx import numpy_helper
    torch.manual_seed(0)
    m = torchvision.models.resnet18(weights=None)
    m.fc = torch.nn.Identity()
    m.eval()
    onnx_w = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
    conv1 = [w for w in onnx_w.values() if w.shape == (64, 3, 7, 7)][0]
    folded = (m.conv1.weight / torch.sqrt(m.bn1.running_var + m.bn1.eps).view(-1, 1, 1, 1)).detach().numpy()
    assert np.abs(conv1 - folded).max() < 1e-6, "the ONNX file is not torchvision's resnet18 with seed 0"
    x = norm(crop(Image.open(os.path.join(HERE, "images", "gradient.png")).convert("RGB"))).unsqueeze(0)
    with torch.no_grad():
        e = m(x)[0]
    json.dump({"source": "gradient.png", "embedding": e.tolist()}, open(os.path.join(HERE, "golden", "resnet18.json"), "w"))
    print("wrote golden/resnet18.json")
print("wrote", len(images), "images")
