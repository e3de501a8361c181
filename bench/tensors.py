"""Tensor family: torchinspect.snapshot against a bare t.sum() and lovely-tensors' summary.

The tensors of shared/benchmarks.md and issue 19: randn of 1e3 to 1e8 elements in float32,
float16, bfloat16 and int64 (randint), the floats also with a few NaN and ±Inf planted. Each row
times all three in the same run; the ratios are what count. The extra peak memory of one
snapshot (a fresh process's peak resident memory above what it held before) is given as a
fraction of the tensor's bytes, and each row ends with the machine's load average (one minute)
when it was measured: on a shared machine it says how far to trust the row.

``TENSOR_SIZES=1e3,1e9 make bench FAMILIES=tensors`` picks the sizes: 1e9 is only run when
asked (4 GB of float32), and lovely-tensors is left out where its copies would need more than
``LOVELY_MAX_BYTES`` (it copies the tensor several times to draw its histogram).

``TENSOR_CLOCK=cpu`` times every column by one thread's CPU time instead of the wall clock: on a
shared machine the wall clock of two threads also counts each thread's wait for a core (a 1e3
snapshot read 6 ms beside 0.11 ms of CPU time under a load of 6).
"""

from __future__ import annotations

import functools
import math
import os
import subprocess
import sys
import time

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
            name = str(dtype).removeprefix("torch.")
            yield f"{size:.0e} {name}", make(size, dtype, planted=False)
            if dtype.is_floating_point:
                yield f"{size:.0e} {name}, NaN/Inf", make(size, dtype, planted=True)


def make(size: int, dtype: torch.dtype, planted: bool) -> torch.Tensor:
    generator = torch.Generator().manual_seed(size)
    if not dtype.is_floating_point:
        return torch.randint(-1000, 1000, (size,), generator=generator, dtype=dtype)
    t = torch.randn(size, generator=generator, dtype=dtype)
    if planted:
        t[:: max(1, size // 4)][:4] = torch.tensor([math.nan, math.inf, -math.inf, math.nan], dtype=dtype)
    return t


_PEAK = """
import sys, torch, torchinspect, tensors
size, dtype, planted = int(sys.argv[1]), getattr(torch, sys.argv[2]), sys.argv[3] == "1"
t = tensors.make(size, dtype, planted)
torchinspect.snapshot(tensors.make(5000, dtype, planted))  # first-call imports and set-up: not the tensor's
def kib(field):
    return int(next(l for l in open("/proc/self/status") if l.startswith(field + ":")).split()[1])
open("/proc/self/clear_refs", "w").write("5")  # the peak so far is reset to the resident memory
before = kib("VmRSS")
torchinspect.snapshot(t)
print((kib("VmHWM") - before) * 1024)
"""


def extra_peak_bytes(size: int, dtype: torch.dtype, planted: bool) -> int:
    """The peak resident memory of one snapshot above what its process held before, in a fresh
    process where glibc hands freed memory back at once (so that the peak counts live memory)."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    args = [sys.executable, "-c", _PEAK, str(size), str(dtype).removeprefix("torch."), str(int(planted))]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True, cwd=os.path.dirname(__file__))
    return int(done.stdout.split()[-1])


def run() -> None:
    from lovely_tensors import lovely

    on_cpu_clock = os.environ.get("TENSOR_CLOCK") == "cpu"
    timed = functools.partial(best_seconds, clock=time.process_time if on_cpu_clock else time.perf_counter)
    if on_cpu_clock:
        torch.set_num_threads(1)
    rows = []
    for label, tensor in tensors():
        repeat = 3 if tensor.numel() >= 10**8 else 7
        nbytes = tensor.numel() * tensor.element_size()
        bare_sum = timed(lambda t=tensor: t.sum(), repeat)
        ours = timed(lambda t=tensor: torchinspect.snapshot(t), repeat)
        theirs = None
        if nbytes <= LOVELY_MAX_BYTES:
            theirs = timed(lambda t=tensor: str(lovely(t)), repeat)
        peak = extra_peak_bytes(tensor.numel(), tensor.dtype, "NaN" in label)
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
                f"{os.getloadavg()[0]:.1f}",
            ]
        )
        print(*rows[-1], sep="  ", flush=True)
        del tensor  # before the next one is made: one tensor of this size at a time
    print_table(
        "snapshot (statistics, histogram, preview) vs t.sum() and lovely-tensors 0.1.22 str(lovely(t))"
        + (", one thread's CPU time" if on_cpu_clock else ", wall clock"),
        [
            "tensor",
            "t.sum()",
            "snapshot",
            "÷ sum",
            "lovely",
            "lovely ÷ snapshot",
            "extra peak",
            "÷ bytes",
            "JSON",
            "load",
        ],
        rows,
    )
