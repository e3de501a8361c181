"""Tensor family: torchinspect.snapshot against a bare t.sum() and lovely-tensors' summary.

The tensors of shared/benchmarks.md and issue 19: randn of 1e3 to 1e8 elements in float32,
float16, bfloat16 and int64 (randint), the floats also with a few NaN and ±Inf planted. Each row
times all three in the same run; the ratios are what count. The extra peak memory of one
snapshot (the process's peak resident memory above what it held before) is given as a
fraction of the tensor's bytes.

``TENSOR_SIZES=1e3,1e9 make bench FAMILIES=tensors`` picks the sizes: 1e9 is only run when
asked (4 GB of float32), and lovely-tensors is left out where its copies would need more than
``LOVELY_MAX_BYTES`` (it copies the tensor several times to draw its histogram).
"""

from __future__ import annotations

import math
import os

import torch

import torchinspect
from timing import best_seconds, ms, print_table, ratio

SIZES = (1_000, 1_000_000, 10_000_000, 100_000_000)
DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.int64)
LOVELY_MAX_BYTES = 1 << 30


def sizes() -> list[int]:
    asked = os.environ.get("TENSOR_SIZES")
    return list(SIZES) if not asked else [int(float(size)) for size in asked.split(",")]


def tensors():
    for size in sizes():
        for dtype in DTYPES:
            generator = torch.Generator().manual_seed(size)
            name = str(dtype).removeprefix("torch.")
            if not dtype.is_floating_point:
                yield f"{size:.0e} {name}", torch.randint(-1000, 1000, (size,), generator=generator, dtype=dtype)
                continue
            clean = torch.randn(size, generator=generator, dtype=dtype)
            yield f"{size:.0e} {name}", clean
            # Planted in place, after the clean rows are timed: one tensor of this size at a time.
            clean[:: max(1, size // 4)][:4] = torch.tensor([math.nan, math.inf, -math.inf, math.nan], dtype=dtype)
            yield f"{size:.0e} {name}, NaN/Inf", clean
            del clean


def extra_peak_bytes(run) -> int:
    """The process's peak resident memory during ``run()`` above its resident memory before."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets the peak (VmHWM) to the current resident size
    before = _status_kib("VmRSS")
    run()
    return (_status_kib("VmHWM") - before) * 1024


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def run() -> None:
    from lovely_tensors import lovely

    rows = []
    for label, tensor in tensors():
        repeat = 3 if tensor.numel() >= 10**8 else 7
        nbytes = tensor.numel() * tensor.element_size()
        bare_sum = best_seconds(lambda t=tensor: t.sum(), repeat)
        ours = best_seconds(lambda t=tensor: torchinspect.snapshot(t), repeat)
        theirs = None
        if nbytes <= LOVELY_MAX_BYTES:
            theirs = best_seconds(lambda t=tensor: str(lovely(t)), repeat)
        peak = extra_peak_bytes(lambda t=tensor: torchinspect.snapshot(t))
        payload = len(torchinspect.to_json(torchinspect.snapshot(tensor)).encode())
        rows.append(
            [
                label,
                ms(bare_sum),
                ms(ours),
                ratio(ours, bare_sum),
                ms(theirs),
                ratio(theirs, ours),
                f"{peak / 2**20:.1f} MiB",
                f"{peak / nbytes:.2f}×",
                f"{payload:,} B",
            ]
        )
        print(*rows[-1], sep="  ", flush=True)
    print_table(
        "snapshot (statistics, histogram, preview) vs t.sum() and lovely-tensors 0.1.22 str(lovely(t))",
        ["tensor", "t.sum()", "snapshot", "÷ sum", "lovely", "lovely ÷ snapshot", "extra peak", "÷ bytes", "JSON"],
        rows,
    )
