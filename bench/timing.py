"""Timing and table printing shared by the benchmark families."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence


def best_seconds(run: Callable[[], object], repeat: int = 5, budget: float = 20.0) -> float:
    """The best of ``repeat`` timed runs after one warm-up, fewer when a run is slow."""
    started = time.perf_counter()
    run()
    best = time.perf_counter() - started
    for _ in range(repeat - 1):
        if time.perf_counter() - started > budget:
            break
        gc.collect()
        started_run = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started_run)
    return best


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.2f} ms"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "—"
    return f"{numerator / denominator:.2f}×"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "  ".join(str(cell).rjust(width) for cell, width in zip(cells, widths))  # noqa: E731
    print(f"\n{title}\n{line(header)}\n{line(['-' * w for w in widths])}")
    for row in rows:
        print(line(row))
