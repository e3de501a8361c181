"""Memory family: a 2,000-step training loop that displays an inspector every 10 steps.

What a long training notebook holds at its end. Two ways a page shows the inspectors: each
stays on the page (a loop that displays one every 10 steps keeps 200 outputs), or each
replaces the one before (``clear_output(wait=True)``, or the cell run again), where the page
tells the kernel that the replaced inspector's last view went, as the widget bundle does.
Measured in this process, after a warm-up loop so that torch's allocator has its working
set: the Python memory still allocated at the end (tracemalloc: snapshots, previews, graphs,
widgets), the resident memory, and the widgets ipywidgets still keeps.
"""

from __future__ import annotations

import gc
import resource
import tracemalloc

import torch
from ipywidgets.widgets.widget import _instances

from timing import print_table
from torchinspect import inspect
from torchinspect.protocol import VIEW_EVENT

STEPS = 2_000
EVERY = 10


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def train(replace_outputs: bool, steps: int = STEPS) -> list[str]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, targets = torch.randn(256, 64), torch.randint(0, 10, (256,))
    gc.collect()
    widgets_before, start = len(_instances), resident_mb()
    tracemalloc.start()
    shown = None
    for step in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        if step % EVERY == 0:
            inspector = inspect(model[0].weight, name="model.0.weight")
            inspector._answer(inspector, {"kind": VIEW_EVENT, "open": True}, [])
            if replace_outputs and shown is not None:
                shown._answer(shown, {"kind": VIEW_EVENT, "open": False}, [])
            shown = inspector
    del shown, inspector
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    end = resident_mb()
    how = "each replaces the one before" if replace_outputs else "each stays on the page"
    return [how, f"{held:.1f} MB", f"{start:.0f} → {end:.0f} MB", f"{len(_instances) - widgets_before}"]


def run() -> None:
    train(replace_outputs=True, steps=200)  # warm-up: torch's allocator and the first imports
    rows = [train(replace_outputs=True), train(replace_outputs=False)]
    print_table(
        f"memory: {STEPS:,} training steps, an inspector of a 64×128 weight displayed every {EVERY}",
        ["outputs", "Python memory held at the end", "resident", "widgets kept"],
        rows,
    )
