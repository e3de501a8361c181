"""The cost of watching training: a training step (forward, loss, backward, SGD step) on G3 and
G4 plain, with ``torchinspect.watch(every=1)``, with ``every=10``, with TensorBoard's
``add_histogram`` of every parameter each step (where ``tensorboard`` is installed: the bench
extra brings it), and with ``torchexplorer.watch(log_freq=1)`` where it imports (it pulls wandb,
flask and pygraphviz, so the bench extra leaves it out; its "none" backend, so that no server
starts: the histograms of every module's input and output, their gradients, the parameters and
theirs, and its layout, each step).

Goals (issue 18): every=1 at most 1.15× a plain step, every=10 at most 1.03×.

How, on a shared machine whose speed drifts by a tenth from second to second: each condition
trains its own copy of the model (the same weights), hooked once for the whole run, and the
conditions take turns in blocks of ``STEPS`` steps (a multiple of 10, so that every block of
``every=10`` holds one recorded step; the anchors, several times slower, ``ANCHOR_STEPS``),
each round in its own shuffled order (seeded), so that no condition always follows the same
one. A block's figure is the CPU time of the thread that trains (and the wall time) per step,
the reads and page updates its steps set off included; each condition's block is divided by
the plain block of the same round, and the table gives the median of these paired ratios over
the rounds and their spread (the middle half of them, 25th to 75th percentile). A second plain
condition ("plain again", another copy of the model trained the same way) measures the
machine's noise floor: its ratio would be 1.00× on a quiet machine. One intra-op thread:
forward, backward and the watch all run on the thread that trains. Not the process's CPU
time: the anchors' writer threads go on working during the other conditions' blocks (the
plain step read more CPU time than wall time), so it is left out, which flatters the anchors.
"""

from __future__ import annotations

import contextlib
import copy
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

import torchinspect
from graphs import g3, g4
from timing import print_table

ROUNDS = {"G3": 16, "G4": 8}
STEPS = 10
ANCHOR_STEPS = 5
WARMUP = 10
ANCHORS = ("TensorBoard add_histogram", "torchexplorer watch")

Step = Callable[[], torch.Tensor]
Log = Callable[[torch.Tensor, int], None]


@dataclass
class Trainer:
    """One condition's copy of the model, its optimizer, and what it does after each step."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    forward: Callable[[nn.Module], torch.Tensor]
    log: Log = lambda _loss, _i: None  # noqa: E731
    steps: int = 0

    def step(self) -> None:
        self.optimizer.zero_grad()
        loss = self.forward(self.model)
        loss.backward()
        self.optimizer.step()
        self.log(loss, self.steps)
        self.steps += 1


Condition = Callable[[Trainer], contextlib.AbstractContextManager[None]]


@contextlib.contextmanager
def plain(_trainer: Trainer) -> Iterator[None]:
    yield


def watched(every: int) -> Condition:
    @contextlib.contextmanager
    def condition(trainer: Trainer) -> Iterator[None]:
        with torchinspect.watch(trainer.model, trainer.optimizer, every=every, print_every=0) as w:
            trainer.log = lambda loss, _i: w.log(loss)
            yield

    return condition


@contextlib.contextmanager
def tensorboard_histograms(trainer: Trainer) -> Iterator[None]:
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as logs:
        writer = SummaryWriter(logs)

        def log(loss: torch.Tensor, i: int) -> None:
            writer.add_scalar("loss", loss.item(), i)
            for name, parameter in trainer.model.named_parameters():
                writer.add_histogram(name, parameter, i)

        trainer.log = log
        yield
        writer.close()


@contextlib.contextmanager
def torchexplorer_watch(trainer: Trainer) -> Iterator[None]:
    import torchexplorer

    # It cannot remove its hooks: the trainer's copy of the model keeps them.
    torchexplorer.watch(trainer.model, log_freq=1, backend="none", verbose=False)
    yield


def conditions() -> dict[str, Condition]:
    found: dict[str, Condition] = {
        "plain": plain,
        "plain again": plain,
        "watch every=1": watched(1),
        "watch every=10": watched(10),
    }
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


def trainers(label: str, build: Callable, names: list[str]) -> dict[str, Trainer]:
    _loss, model = build()
    torch.manual_seed(0)
    if label == "G3":
        inputs, targets = torch.randn(2, 3, 64, 64), torch.randint(0, 10, (2,))
        forward = lambda m: nn.functional.cross_entropy(m(inputs), targets)  # noqa: E731
    else:
        inputs = torch.randn(8, 32, 128)
        forward = lambda m: m(inputs).sum()  # noqa: E731
    made = {}
    for name in names:
        copied = copy.deepcopy(model)
        made[name] = Trainer(copied, torch.optim.SGD(copied.parameters(), lr=1e-3), forward)
    return made


def measure(label: str, build: Callable) -> tuple[list[list[str]], list[str]]:
    found = conditions()
    names = list(found)
    trained = trainers(label, build, names)
    clocks = {"CPU": time.thread_time, "wall": time.perf_counter}
    times = {clock: {name: [] for name in names} for clock in clocks}
    with contextlib.ExitStack() as stack:
        for name in names:
            stack.enter_context(found[name](trained[name]))
            for _ in range(WARMUP):
                trained[name].step()
        order = random.Random(0)
        for _ in range(ROUNDS[label]):
            for name in order.sample(names, len(names)):
                trainer, steps = trained[name], ANCHOR_STEPS if name in ANCHORS else STEPS
                started = {clock: read() for clock, read in clocks.items()}
                for _ in range(steps):
                    trainer.step()
                for clock, read in clocks.items():
                    times[clock][name].append((read() - started[clock]) / steps)
    return [_row(label, clock, times[clock], names) for clock in clocks], names


def _row(label: str, clock: str, samples: dict[str, list[float]], names: list[str]) -> list[str]:
    plain_times = samples["plain"]
    row = [f"{label} {clock}", f"{statistics.median(plain_times) * 1000:.1f} ms"]
    for name in names[1:]:
        paired = sorted(t / p for t, p in zip(samples[name], plain_times))
        low, _, high = statistics.quantiles(paired, n=4, method="inclusive")
        row.append(f"{statistics.median(paired):.2f}× ({low:.2f}–{high:.2f})")
    return row


def run() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    loads = [os.getloadavg()[0]]
    try:
        g3_rows, names = measure("G3", g3)
        loads.append(os.getloadavg()[0])
        g4_rows, _ = measure("G4", g4)
        loads.append(os.getloadavg()[0])
    finally:
        torch.set_num_threads(threads)
    print_table(
        f"a training step watched: median over rounds of each condition's block of {STEPS} steps ({ANCHOR_STEPS} for "
        f"the anchors) over the plain block of the same round (25th–75th percentile), {ROUNDS['G3']} rounds on G3, {ROUNDS['G4']} on G4, "
        "1 thread; the training thread's CPU time, then wall time; 'plain again' is the noise floor (1.00× on a quiet "
        f"machine); load average {' → '.join(f'{load:.1f}' for load in loads)}; "
        "goals: every=1 ≤ 1.15×, every=10 ≤ 1.03×",
        ["graph", "plain step", *names[1:]],
        [*g3_rows, *g4_rows],
    )


if __name__ == "__main__":
    run()
