"""The benchmark graphs G1–G6 of docs: seeded, on the CPU, in float32.

Each builder returns the root tensor and what names its leaves: a module or a
name → tensor mapping, as ``torchinspect.autograd_graph(root, params=...)`` and
torchviz's ``make_dot(root, params=...)`` take it. The builders run the forward
pass only, so the graphs still hold their saved tensors. The model builders take
``recorded=True`` to run the forward inside ``torchinspect.record_modules(model)``, so
that each node carries the module that made it.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from torchinspect import record_modules

SEED = 0


def g1() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The lesson: ``y = 0.5 * dot(x, A @ x)``; 4 autograd nodes."""
    torch.manual_seed(SEED)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return 0.5 * torch.dot(x, A @ x), {"x": x}


def _forward(model: nn.Module, recorded: bool, *inputs: torch.Tensor) -> torch.Tensor:
    with record_modules(model) if recorded else contextlib.nullcontext():
        return model(*inputs)


def g2(recorded: bool = False) -> tuple[torch.Tensor, nn.Module]:
    """An MLP 784-256-128-10 on a batch of 64, with a cross-entropy loss; 16 nodes."""
    torch.manual_seed(SEED)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    inputs, targets = torch.randn(64, 784), torch.randint(0, 10, (64,))
    return F.cross_entropy(_forward(model, recorded, inputs), targets), model


class _BasicBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.shortcut = nn.Identity()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                nn.BatchNorm2d(channels_out),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class _ResNetLike(nn.Module):
    """A stem, three stages of three basic blocks (16, 32, 64 channels), and a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, channels = [], 16
        for width, stride in ((16, 1), (32, 2), (64, 2)):
            for index in range(3):
                blocks.append(_BasicBlock(channels, width, stride if index == 0 else 1))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.blocks(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(features, 1).flatten(1))


def g3(recorded: bool = False) -> tuple[torch.Tensor, nn.Module]:
    """A ResNet-like CNN on 2×3×64×64 with a cross-entropy loss; about 140 nodes."""
    torch.manual_seed(SEED)
    model = _ResNetLike()
    inputs, targets = torch.randn(2, 3, 64, 64), torch.randint(0, 10, (2,))
    return F.cross_entropy(_forward(model, recorded, inputs), targets), model


def g4(recorded: bool = False) -> tuple[torch.Tensor, nn.Module]:
    """A 6-layer ``nn.TransformerEncoder`` (d_model 128, 4 heads) on 8×32×128; about 454 nodes."""
    torch.manual_seed(SEED)
    layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=6, enable_nested_tensor=False)
    return _forward(model, recorded, torch.randn(8, 32, 128)).sum(), model


def g5(steps: int = 10_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A deep chain ``h = tanh(h * w + 1)``, summed: 3 × steps + 3 nodes (6,003 or 30,003)."""
    torch.manual_seed(SEED)
    h0 = torch.randn(16, requires_grad=True)
    w = torch.randn(16, requires_grad=True)
    h = h0
    for _ in range(steps):
        h = torch.tanh(h * w + 1)
    return h.sum(), {"h0": h0, "w": w}


def g6(leaves: int = 5_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A wide graph: ``stack([sin(l).sum() for l in leaves]).sum()``; 3 × leaves + 2 nodes."""
    torch.manual_seed(SEED)
    named = {f"l{index}": torch.randn(4, requires_grad=True) for index in range(leaves)}
    return torch.stack([torch.sin(leaf).sum() for leaf in named.values()]).sum(), named


GRAPHS = {"G1": g1, "G2": g2, "G3": g3, "G4": g4, "G5": g5, "G6": g6}


def square_free(length: int) -> list[int]:
    """0, 1, 2 with no stretch written twice in a row (Thue's word): ops in this order never repeat."""
    thue_morse = [bin(index).count("1") % 2 for index in range(length + 1)]
    return [thue_morse[index + 1] - thue_morse[index] + 1 for index in range(length)]


def no_repeats(ops: int = 2_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in: sin, tanh and atan in Thue's square-free order, the shape
    growing by one every 500 ops, summed; about ``ops`` nodes and a few more."""
    torch.manual_seed(SEED)
    h0 = torch.randn(5, requires_grad=True)
    h = h0
    for step, letter in enumerate(square_free(ops)):
        h = (torch.sin, torch.tanh, torch.atan)[letter](h)
        if step % 500 == 499:
            h = torch.cat([h, h[:1]])
    return h.sum(), {"h0": h0}
