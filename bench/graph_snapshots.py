"""Graph family: torchinspect.autograd_graph against torchviz's make_dot building its source.

The graphs G1–G6 of shared/benchmarks.md (bench/graphs.py). Beside both, a bare iterative walk
of next_functions: the floor for visiting every node. G5 is a deep chain; torchviz fails on it.
"""

from __future__ import annotations

import json

import torch

import torchinspect
from torchinspect.graph.safety import release_held_graphs
from graphs import GRAPHS
from timing import best_seconds, ms, print_table, ratio


def bare_walk(root: torch.Tensor) -> int:
    seen = {root.grad_fn}
    pending = [root.grad_fn]
    while pending:
        for child, _ in pending.pop().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                pending.append(child)
    return len(seen)


def make_dot_source(root: torch.Tensor, params) -> float | None:
    """make_dot as a user calls it: from the model, whose parameters it needs as a dict
    (autograd_graph takes the model and names them itself, inside its own timing)."""
    from torchviz import make_dot

    def names():
        return dict(params.named_parameters()) if isinstance(params, torch.nn.Module) else params

    try:
        return best_seconds(lambda: make_dot(root, params=names()).source)
    except RecursionError:
        return None


def run() -> None:
    rows = []
    for label, build in GRAPHS.items():
        root, params = build()
        nodes = bare_walk(root)
        walk = best_seconds(lambda: bare_walk(root))
        ours = best_seconds(lambda: torchinspect.autograd_graph(root, params=params))
        theirs = make_dot_source(root, params)
        payload = len(json.dumps(torchinspect.autograd_graph(root, params=params)).encode())
        rows.append([
            label, f"{nodes:,}", ms(walk), ms(ours),
            "RecursionError" if theirs is None else ms(theirs), ratio(theirs, ours), f"{payload:,} B",
        ])  # fmt: skip
        del root, params
        release_held_graphs()
    print_table(
        "autograd_graph vs torchviz 0.0.3 make_dot(...).source (ratio > 1: torchinspect faster)",
        ["graph", "nodes", "bare walk", "autograd_graph", "make_dot", "make_dot ÷ ours", "JSON payload"],
        rows,
    )
