"""Backward family: ``backward()`` on G2–G4 with and without an inspector of the graph.

An inspector arms its graph (``gradient_recording``): each node's hook measures the gradients
passing it. The issue's floor is at most +50% on G4. Each sample builds a fresh graph (untimed,
as is making the inspector) and times ``backward()`` alone; the two kinds of sample alternate,
so that both see the same machine. Publishing the record (``take_record`` and the report,
on the main thread after the cell) is timed apart: it is not part of ``backward()``.
"""

from __future__ import annotations

import gc
import statistics
import time
import warnings

import torch
import torchinspect
from graphs import GRAPHS
from timing import ms, print_table, ratio

SAMPLES = 15


def timed_backward(build, inspected: bool) -> tuple[float, float | None]:
    """Seconds for one backward() on a fresh graph, and for publishing its record."""
    root, params = build()
    inspector = torchinspect.inspect(root, params=params) if inspected else None
    gc.collect()
    started = time.perf_counter()
    root.backward()
    backward = time.perf_counter() - started
    if inspector is None:
        return backward, None
    started = time.perf_counter()
    inspector.refresh()
    published = time.perf_counter() - started
    assert inspector.gradients, "the inspector recorded nothing"
    inspector.close()
    return backward, published


def run() -> None:
    rows = []
    default_threads = torch.get_num_threads()
    # One thread too: on a shared machine it is the steadier figure, and with more threads
    # backward's large ops speed up while measuring small gradients does not.
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        for label in ("G2", "G3", "G4"):
            rows.append([label, str(threads), *measure(GRAPHS[label])])
    torch.set_num_threads(default_threads)
    print_table(
        f"backward() with an inspector of the graph recording every node's gradients "
        f"(median of {SAMPLES}; floor: at most +50% on G4)",
        ["graph", "threads", "backward", "recorded", "ratio", "overhead", "publish after cell"],
        rows,
    )


def measure(build) -> list[str]:
    plain, armed, published = [], [], []
    for _ in range(SAMPLES):
        plain.append(timed_backward(build, False)[0])
        backward, publish = timed_backward(build, True)
        armed.append(backward)
        published.append(publish)
    bare, recorded = statistics.median(plain), statistics.median(armed)
    return [
        ms(bare), ms(recorded), ratio(recorded, bare), f"{(recorded / bare - 1) * 100:+.0f}%",
        ms(statistics.median(published)),
    ]


if __name__ == "__main__":
    warnings.simplefilter("error")
    run()
