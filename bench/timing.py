"""Timing and table printing shared by the benchmark families."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence


def best_seconds(
    run: Callable[[], object],
    repeat: int = 5,
    budget: float = 20.0,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Seconds per run: the best of ``repeat`` samples, after warming up.

    As timeit does, a quick function runs many times in each sample (the count doubled
    until a batch lasts 20 ms), so that neither the timer's resolution nor the cold caches
    right after a garbage collection dominate; a slow one runs once per sample, and fewer
    samples are taken past ``budget`` seconds of wall clock. ``clock=time.process_time``
    counts CPU time instead: on a shared machine, the wall clock also counts other
    processes' turns.
    """
    started = time.perf_counter()
    run()
    number = 1
    while True:
        batch_start = clock()
        for _ in range(number):
            run()
        batch = clock() - batch_start
        if batch >= 0.02:
            break
        number *= 2
    best = batch / number
    for _ in range(repeat - 1):
        if time.perf_counter() - started > budget:
            break
        gc.collect()
        sample_start = clock()
        for _ in range(number):
            run()
        best = min(best, (clock() - sample_start) / number)
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
