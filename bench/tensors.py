"""Tensor family: torchinspect.snapshot against a bare t.sum() and lovely-tensors' summary.

The tensors of shared/benchmarks.md: float32 randn of 1e3 to 1e8 elements, and the same with a
few NaN and ±Inf planted. Each row times all three in the same run; the ratios are what count.
"""

from __future__ import annotations

import math

import torch

import torchinspect
from timing import best_seconds, ms, print_table, ratio

SIZES = (1_000, 1_000_000, 10_000_000, 100_000_000)


def tensors():
    for size in SIZES:
        generator = torch.Generator().manual_seed(size)
        clean = torch.randn(size, generator=generator)
        yield f"{size:.0e} float32", clean
        planted = clean.clone()
        del clean
        planted[:: max(1, size // 4)][:4] = torch.tensor([math.nan, math.inf, -math.inf, math.nan])
        yield f"{size:.0e} float32, NaN/Inf", planted
        del planted


def run() -> None:
    from lovely_tensors import lovely

    rows = []
    for label, tensor in tensors():
        repeat = 3 if tensor.numel() >= 10**8 else 7
        bare_sum = best_seconds(lambda: tensor.sum(), repeat)
        ours = best_seconds(lambda: torchinspect.snapshot(tensor), repeat)
        theirs = best_seconds(lambda: str(lovely(tensor)), repeat)
        payload = len(torchinspect.to_json(torchinspect.snapshot(tensor)).encode())
        rows.append([label, ms(bare_sum), ms(ours), ratio(ours, bare_sum), ms(theirs), ratio(theirs, bare_sum), ratio(theirs, ours), f"{payload:,} B"])
    print_table(
        "snapshot (statistics, histogram, preview) vs t.sum() and lovely-tensors 0.1.22 lovely(t)",
        ["tensor", "t.sum()", "snapshot", "÷ sum", "lovely", "÷ sum", "lovely ÷ snapshot", "JSON payload"],
        rows,
    )
