"""PyTorch's speed on the seed's ResNet18, to compare with tend's pure-Go runtime.

    apt-get install -y python3-torch python3-torchvision
    taskset -c 1 /usr/bin/python3 models/resnet18/bench_torch.py [SECONDS]

Builds the architecture of ../shared/models/resnet18-512.onnx (torchvision
resnet18, fc removed, random weights) and runs it on one thread for batch 1
and 8, printing images per second of wall time and per CPU-second (the
repeatable figure on a machine shared with other work).
"""
import sys, time

import torch, torchvision

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
torch.set_num_threads(1)
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None)
m.fc = torch.nn.Identity()
m.eval()
with torch.no_grad():
    for bs in (1, 8):
        x = torch.randn(bs, 3, 224, 224)
        m(x)
        t, c, n = time.time(), time.process_time(), 0
        while time.time() - t < seconds:
            m(x)
            n += bs
        wall, cpu = time.time() - t, time.process_time() - c
        print(f"torch {torch.__version__} 1 thread batch {bs}: {n / wall:.1f} images/s, {n / cpu:.1f} images/cpu-s")
