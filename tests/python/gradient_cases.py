"""The lesson's graph after one backward pass, as the kernel sends it: graph and gradients.

Stored in tests/fixtures/gradients.json for the TypeScript tests (make_snapshots.py writes
it); test_gradient_recording keeps that file true.
"""

from __future__ import annotations

from typing import Any

import torch

from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.tensor.snapshot import jsonable


def lesson_after_backward() -> dict[str, Any]:
    """``y = 0.5 * dot(x, A @ x)`` (G1, seed 0), inspected, then ``y.backward()``."""
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, A @ x)
    graph = graph_for_view(y, params={"x": x})
    recorder = GradientRecorder(y)
    y.backward()
    return {"graph": jsonable(graph), "gradients": jsonable(gradient_report(*recorder.take_record(), graph))}
