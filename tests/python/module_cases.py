"""A small model recorded with record_modules, as the kernel sends its graph.

Stored in tests/fixtures/modules.json for the TypeScript tests (make_snapshots.py writes it);
test_module_recording keeps that file true.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from torchinspect import record_modules
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.tensor.snapshot import jsonable


class Residual(nn.Module):
    """``x + fc2(relu(fc1(x)))``: two linear layers and the block's own add."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(F.relu(self.fc1(x)))


def recorded_model_graph() -> dict[str, Any]:
    """embed → blocks.0 → blocks.1 → head, then a cross-entropy loss outside the model (seed 0)."""
    torch.manual_seed(0)
    model = nn.Sequential(OrderedDict(
        embed=nn.Linear(4, 8), blocks=nn.Sequential(Residual(8), Residual(8)), head=nn.Linear(8, 3),
    ))  # fmt: skip
    inputs, targets = torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
    with record_modules(model):
        logits = model(inputs)
    return jsonable(graph_for_view(F.cross_entropy(logits, targets), params=model))
