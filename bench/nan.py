"""NaN family: a clean training step on G3 and G4, plain, under ``find_nan``, under ``nan_guard``
and under ``torch.autograd.detect_anomaly()``, timed in the same run.

A training step is a forward, a loss and ``backward()`` on a model made once (grads set to
None before each step, so that every step does the same work). The aim: the guard at most
2× a plain step on G4, and at most anomaly mode's cost. Not a test: nothing asserts on time.
"""

from __future__ import annotations

import gc
import time
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F

import torchinspect
from graphs import g3, g4
from timing import ms, print_table, ratio


def g3_step() -> Callable[[], None]:
    """G3's model (bench/graphs.py) in a step with a cross-entropy loss."""
    _, model = g3()
    inputs, targets = torch.randn(2, 3, 64, 64), torch.randint(0, 10, (2,))

    def step() -> None:
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(inputs), targets).backward()

    return step


def g4_step() -> Callable[[], None]:
    """G4's model (bench/graphs.py) in a step whose loss is the output's sum."""
    _, model = g4()
    inputs = torch.randn(8, 32, 128)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        model(inputs).sum().backward()

    return step


def under(context) -> object:
    def run(step) -> None:
        with context():
            step()

    return run


ROUNDS = 15
WAYS = {
    "plain": lambda step: step(),
    "find_nan": lambda step: torchinspect.find_nan(step),
    "nan_guard": under(torchinspect.nan_guard),
    "detect_anomaly": under(lambda: torch.autograd.detect_anomaly(check_nan=True)),
}


def run() -> None:
    warnings.filterwarnings("ignore", message="Anomaly Detection has been enabled")
    rows = []
    default_threads = torch.get_num_threads()
    # One thread too: on a shared machine it is the steadier figure.
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        for label, build in (("G3", g3_step), ("G4", g4_step)):
            rows.append([label, str(threads), *measure(build())])
    torch.set_num_threads(default_threads)
    print_table(
        f"a clean training step (forward, loss, backward), fastest of {ROUNDS} interleaved rounds "
        "(aim: nan_guard at most 2x plain on G4, and at most anomaly mode)",
        ["graph", "threads", "plain", "find_nan", "ratio", "nan_guard", "ratio", "detect_anomaly", "ratio", "guard/anomaly"],
        rows,
    )


def measure(step: Callable[[], None]) -> list[str]:
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    for call in WAYS.values():
        call(step)  # warm up
    # One step of each way in turn, many rounds, the fastest of each: on a shared machine the
    # ways see the same load, and the fastest sample is the one least disturbed.
    for _ in range(ROUNDS):
        for way, call in WAYS.items():
            gc.collect()
            started = time.perf_counter()
            call(step)
            seconds[way].append(time.perf_counter() - started)
    plain, found, guard, anomaly = (min(seconds[way]) for way in WAYS)
    return [
        ms(plain), ms(found), ratio(found, plain), ms(guard), ratio(guard, plain),
        ms(anomaly), ratio(anomaly, plain), ratio(guard, anomaly),
    ]  # fmt: skip


if __name__ == "__main__":
    run()
