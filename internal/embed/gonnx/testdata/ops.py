"""A small ONNX model exercising every operator gonnx implements, and PyTorch's output for it.

    apt-get install -y python3-torch python3-onnx
    cd internal/embed/gonnx/testdata && /usr/bin/python3 ops.py

Writes ops.onnx (random weights, seed 1) and ops.json (input and output).
"""
import json
import torch
import torch.nn as nn
import torch.nn.functional as F


class Ops(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 1)
        self.c3 = nn.Conv2d(8, 6, (3, 2), padding=(1, 0), dilation=(2, 1), bias=False)
        self.fc = nn.Linear(6 * 2 * 2, 10)
        self.w = nn.Parameter(torch.randn(10, 5))

    def forward(self, x):
        y = F.relu(self.c1(x))                      # Conv (stride, pad) + Relu
        y = self.bn(y)                               # BatchNormalization (not after a conv: kept)
        y = y + self.c2(y)                           # 1x1 Conv + Add
        y = F.max_pool2d(y, 3, 2, ceil_mode=True)    # MaxPool, ceil_mode
        y = F.avg_pool2d(y, 2, 1)                    # AveragePool
        y = self.c3(y)                               # dilated, rectangular Conv, no bias
        y = F.avg_pool2d(y, 2)
        y = y.reshape(-1, 6 * 2 * 2)                 # Reshape (constant shape)
        y = self.fc(y)                               # Gemm
        return y @ self.w + 0.5                      # MatMul + broadcast Add


torch.manual_seed(1)
m = Ops()
with torch.no_grad():
    m.bn.running_mean.uniform_(-1, 1)
    m.bn.running_var.uniform_(0.5, 2)
    m.bn.weight.uniform_(0.5, 1.5)
    m.bn.bias.uniform_(-0.5, 0.5)
m.eval()
x = torch.randn(3, 3, 29, 27)
with torch.no_grad():
    y = m(x)
print("output shape", tuple(y.shape))
torch.onnx.export(m, x, "ops.onnx", input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "n"}, "output": {0: "n"}}, opset_version=13)
import onnx
print(sorted({n.op_type for n in onnx.load("ops.onnx").graph.node}))
json.dump({"shape": list(x.shape), "input": x.flatten().tolist(), "output": y.flatten().tolist(), "out_shape": list(y.shape)}, open("ops.json", "w"))
