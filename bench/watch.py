"""The cost of watching training: a training step (forward, loss, backward, SGD step) on G3 and
G4 plain, with ``torchinspect.watch(every=1)``, with ``every=10``, with TensorBoard's
``add_histogram`` of every parameter each step (where ``tensorboard`` is installed: the bench
extra brings it), and with ``torchexplorer.watch(log_freq=1)`` where it imports (it pulls wandb,
flask and pygraphviz, so the bench extra leaves it out; its "none" backend, so that no server
starts: the histograms of every module's input and output, their gradients, the parameters and
theirs, and its layout, each step). torchexplorer cannot remove its hooks, so it trains a copy
of the model with an optimizer of its own.

Goals (issue 18): every=1 at most 1.15× a plain step, every=10 at most 1.03×. Each figure is
the median over blocks of steps, the conditions interleaved block by block so that the shared
machine's drift falls on all alike; one intra-op thread, the steadier figure here. Each is read
twice: wall time, and the CPU time of the thread that trains (with one intra-op thread, forward,
backward and the watch all run on it), which a loaded machine inflates less.
"""

from __future__ import annotations

import contextlib
import copy
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator

import torch
from torch import nn

import torchinspect
from graphs import g3, g4
from timing import print_table, ratio

BLOCKS = 5
STEPS = 20


def training_step(model: nn.Module, forward: Callable[[nn.Module], torch.Tensor]) -> Callable[..., torch.Tensor]:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step() -> torch.Tensor:
        optimizer.zero_grad()
        loss = forward(model)
        loss.backward()
        optimizer.step()
        return loss

    step.optimizer = optimizer  # type: ignore[attr-defined]
    step.forward = forward  # type: ignore[attr-defined]
    return step


Log = Callable[[torch.Tensor, int], None]
Step = Callable[[], torch.Tensor]


@contextlib.contextmanager
def plain(_model: nn.Module, step: Step) -> Iterator[tuple[Step, Log]]:
    yield step, lambda _loss, _i: None


def watched(every: int):
    @contextlib.contextmanager
    def condition(model: nn.Module, step: Step) -> Iterator[tuple[Step, Log]]:
        with torchinspect.watch(model, step.optimizer, every=every, print_every=0) as w:  # type: ignore[attr-defined]
            yield step, lambda loss, _i: w.log(loss)

    return condition


@contextlib.contextmanager
def tensorboard_histograms(model: nn.Module, step: Step) -> Iterator[tuple[Step, Log]]:
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as logs:
        writer = SummaryWriter(logs)

        def log(loss: torch.Tensor, i: int) -> None:
            writer.add_scalar("loss", loss.item(), i)
            for name, parameter in model.named_parameters():
                writer.add_histogram(name, parameter, i)

        yield step, log
        writer.close()


_explored: dict[int, Step] = {}


@contextlib.contextmanager
def torchexplorer_watch(model: nn.Module, step: Step) -> Iterator[tuple[Step, Log]]:
    if id(model) not in _explored:
        import torchexplorer

        explored = copy.deepcopy(model)
        _explored[id(model)] = training_step(explored, step.forward)  # type: ignore[attr-defined]
        torchexplorer.watch(explored, log_freq=1, backend="none", verbose=False)
    yield _explored[id(model)], lambda _loss, _i: None


def conditions() -> dict[str, Callable]:
    found = {"plain": plain, "watch every=1": watched(1), "watch every=10": watched(10)}
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print("tensorboard is not installed: its column is left out (pip install -e '.[bench]')")
    else:
        found["TensorBoard add_histogram"] = tensorboard_histograms
    try:
        import torchexplorer  # noqa: F401
    except ImportError as error:
        print(f"torchexplorer does not import ({error}): its column is left out")
    else:
        found["torchexplorer watch"] = torchexplorer_watch
    return found


def measure(label: str, build: Callable) -> list[str]:
    _loss, model = build()
    inputs = {"G3": (torch.randn(2, 3, 64, 64), torch.randint(0, 10, (2,))), "G4": (torch.randn(8, 32, 128), None)}[
        label
    ]
    if label == "G3":
        forward = lambda m: nn.functional.cross_entropy(m(inputs[0]), inputs[1])  # noqa: E731
    else:
        forward = lambda m: m(inputs[0]).sum()  # noqa: E731
    step = training_step(model, forward)
    found = conditions()
    clocks = {"wall": time.perf_counter, "CPU": time.thread_time}
    times: dict[str, dict[str, list[float]]] = {clock: {name: [] for name in found} for clock in clocks}
    for _ in range(BLOCKS):
        for name, condition in found.items():
            with condition(model, step) as (run, log):
                for i in range(2):
                    log(run(), i)
                started = {clock: read() for clock, read in clocks.items()}
                for i in range(STEPS):
                    log(run(), i)
                for clock, read in clocks.items():
                    times[clock][name].append((read() - started[clock]) / STEPS)
    rows = []
    for clock, samples in times.items():
        medians = {name: statistics.median(values) for name, values in samples.items()}
        row = [f"{label} {clock}", f"{medians['plain'] * 1000:.1f} ms"]
        for name in found:
            if name != "plain":
                row.append(f"{medians[name] * 1000:.1f} ms ({ratio(medians[name], medians['plain'])})")
        rows.append(row)
    return rows


def run() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        header = ["graph", "plain step", *[name for name in conditions() if name != "plain"]]
        rows = [*measure("G3", g3), *measure("G4", g4)]
    finally:
        torch.set_num_threads(threads)
    print_table(
        f"a training step watched (median of {BLOCKS} blocks of {STEPS} steps, 1 thread; wall time, and the "
        "training thread's CPU time, which other processes on a shared machine disturb less; "
        "goals: every=1 ≤ 1.15×, every=10 ≤ 1.03×)",
        header,
        rows,
    )


if __name__ == "__main__":
    run()
