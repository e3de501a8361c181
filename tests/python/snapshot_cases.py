"""Tensors in every autograd state the card distinguishes, shared by the tests.

The same cases, snapshotted, are stored in tests/fixtures/snapshots.json for the
TypeScript tests; test_fixtures_match_python keeps that file true.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def _lesson_x_after_backward() -> torch.Tensor:
    x = torch.arange(3.0, requires_grad=True)
    A = torch.eye(3)
    (0.5 * torch.dot(x, A @ x)).backward()
    return x


def _retained_intermediate() -> torch.Tensor:
    x = torch.ones(2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.sum().backward()
    return h


CASES: dict[str, Callable[[], torch.Tensor]] = {
    "leaf_requiring_grad": lambda: torch.zeros(20, requires_grad=True),
    "leaf_with_grad": _lesson_x_after_backward,
    "intermediate": lambda: torch.ones(2, 3, requires_grad=True) * 2,
    "retained_intermediate": _retained_intermediate,
    "constant_matrix": lambda: torch.zeros(20, 20),
    "scalar_int": lambda: torch.tensor(7),
    "meta": lambda: torch.empty(4, 5, device="meta"),
    "nested_ragged": lambda: torch.nested.nested_tensor(
        [torch.zeros(2, 3), torch.zeros(4, 3)], layout=torch.jagged
    ),
}
