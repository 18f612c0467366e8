#!/usr/bin/env python3
"""Exports the example TorchScript model used by scenarios/torchscript*.json.

    /usr/bin/python3 examples/torchscript/export_models.py

Needs PyTorch (Debian: apt-get install python3-torch, version 1.13, the same
as Debian's LibTorch). veritrain itself does not need Python: the exported
file, fashion_cnn.pt, is committed next to this script.

The model is an nn.Sequential, so each named child becomes its own pair of
forward and backward nodes in veritrain's step graph (conv1.forward,
conv1.backward, ...). Its parameters, as initialised here, are the job's
initial parameters.
"""
import collections
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def fashion_cnn():
    # Input: a batch of flattened 28x28 Fashion-MNIST images, [B, 784].
    return nn.Sequential(collections.OrderedDict([
        ("unflatten", nn.Unflatten(1, (1, 28, 28))),
        ("conv1", nn.Conv2d(1, 4, kernel_size=5, stride=2)),   # [B, 4, 12, 12]
        ("relu1", nn.ReLU()),
        ("flatten", nn.Flatten()),                              # [B, 576]
        ("fc1", nn.Linear(4 * 12 * 12, 32)),
        ("relu2", nn.ReLU()),
        ("fc2", nn.Linear(32, 10)),                             # logits
    ]))


def main():
    torch.manual_seed(0)
    model = torch.jit.script(fashion_cnn())
    path = os.path.join(HERE, "fashion_cnn.pt")
    model.save(path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
