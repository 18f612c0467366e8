#!/usr/bin/env python3
"""Exports the small TorchScript models the train unit tests load.

    /usr/bin/python3 tests/unit/train/data/make_torchscript_models.py

Needs PyTorch 1.13 (Debian: python3-torch). The .pt files are committed, so
the tests do not need Python. Every model takes 16 features and returns
logits over 4 classes, the shape of the "synthetic" dataset's samples.
"""
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Chain(nn.Module):
    """Not a Sequential, but its forward applies its children in order."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 8)
        self.norm = nn.BatchNorm1d(8)  # eval mode: an affine map; buffers fixed
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc2(self.act(self.norm(self.fc1(x))))


class Residual(nn.Module):
    """Not a chain: the input feeds two places."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(x + torch.relu(self.fc(x)))


class Pair(nn.Module):
    """Returns a tuple, not a tensor of logits."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        y = self.fc(x)
        return y, y


def save(module, name):
    path = os.path.join(HERE, name)
    module.save(path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    torch.manual_seed(0)
    save(torch.jit.script(Chain()), "chain.pt")
    save(torch.jit.trace(
        nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 4)),
        torch.zeros(2, 16)), "traced_sequential.pt")
    save(torch.jit.script(Residual()), "residual.pt")
    save(torch.jit.script(Pair()), "pair.pt")


if __name__ == "__main__":
    main()
