"""Graph family: torchinspect.autograd_graph against torchviz's make_dot building its source.

The graphs G1–G6 of shared/benchmarks.md (bench/graphs.py). Beside both, a bare iterative walk
of next_functions: the floor for visiting every node. G5 is a deep chain; torchviz fails on it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import statistics
import time

import torch

import torchinspect
from graphs import GRAPHS, g4
from timing import best_seconds, ms, print_table, ratio
from torchinspect import record_modules
from torchinspect.graph.safety import release_held_graphs


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
    interleaved_against_make_dot()
    recording_overhead()


# Calls per sample: a sample of one call of the small graphs would be mostly the clock's own cost.
_CALLS_PER_SAMPLE = {"G2": 40, "G3": 8, "G4": 4, "G6": 1}


def interleaved_against_make_dot(rounds: int = 30) -> None:
    """Issue 16's goal for autograd_graph (at least 3× faster than make_dot on G2, G3, G4 and G6),
    measured the strict way: both take turns, round after round, on the same graph (built once,
    as in the table above), each sample timed by the CPU time of the one thread that runs it after
    a garbage collection, with torch on one thread; the best and the median of each, and the
    ratios of both."""
    from torchviz import make_dot

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    for label, calls in _CALLS_PER_SAMPLE.items():
        root, params = GRAPHS[label]()
        named = lambda: dict(params.named_parameters()) if isinstance(params, torch.nn.Module) else params  # noqa: E731
        runs = {
            "ours": lambda: [torchinspect.autograd_graph(root, params=params) for _ in range(calls)],
            "make_dot": lambda: [make_dot(root, params=named()).source for _ in range(calls)],
        }
        samples: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for _ in range(rounds):
            for name in order:
                gc.collect()
                started = time.thread_time()
                runs[name]()
                samples[name].append((time.thread_time() - started) / calls)
            order.reverse()
        best = {name: min(seconds) for name, seconds in samples.items()}
        median = {name: statistics.median(seconds) for name, seconds in samples.items()}
        rows.append([
            label, ms(best["ours"]), ms(median["ours"]), ms(best["make_dot"]), ms(median["make_dot"]),
            ratio(best["make_dot"], best["ours"]), ratio(median["make_dot"], median["ours"]),
        ])  # fmt: skip
        del root, params, runs
        release_held_graphs()
    torch.set_num_threads(threads)
    print_table(
        f"autograd_graph vs make_dot(...).source taking turns, CPU time of one thread, {rounds} rounds (goal: at least 3×)",
        ["graph", "ours best", "ours median", "make_dot best", "make_dot median", "ratio (best)", "ratio (median)"],
        rows,
    )


def recording_overhead(rounds: int = 100) -> None:
    """A G4 forward as is, inside record_modules(model), and with record_modules() recording every
    module: the three take turns, round after round, each timed by the CPU time of the one thread
    that runs it (on a shared machine, the wall clock counts other processes' turns too); the best
    and the median of each, against the forward as is."""
    _, model = g4()
    inputs = torch.randn(8, 32, 128)
    variants = {
        "as is": contextlib.nullcontext,
        "record_modules(model)": lambda: record_modules(model),
        "record_modules()": record_modules,
    }
    samples: dict[str, list[float]] = {label: [] for label in variants}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: less noise from the other processes of a shared machine
    for _ in range(rounds):
        for label, recording in variants.items():
            with recording():
                started = time.thread_time()
                model(inputs).sum()
                samples[label].append(time.thread_time() - started)
    torch.set_num_threads(threads)
    bare_best, bare_median = min(samples["as is"]), statistics.median(samples["as is"])
    rows = []
    for label, seconds in samples.items():
        best, median = min(seconds), statistics.median(seconds)
        rows.append([
            label, ms(best), ms(median),
            "—" if label == "as is" else f"{(best / bare_best - 1) * 100:+.1f}%",
            "—" if label == "as is" else f"{(median / bare_median - 1) * 100:+.1f}%",
        ])  # fmt: skip
    print_table(
        f"A G4 forward recording its modules, CPU time of one thread, {rounds} rounds (goal: record_modules() at most +5%)",
        ["forward", "best", "median", "overhead (best)", "overhead (median)"],
        rows,
    )
