"""Sidebar family: the Tensors sidebar's listing after a cell, with 1,000 tensors in the namespace.

What a cell costs the user when the sidebar is open: the kernel lists every tensor (metadata,
and NaN/Inf counts for what changed, within a budget) and works out what changed since the
last listing. Anchors, in the same run: a bare loop reading each tensor's shape, dtype, device
and requires_grad, and IPython's own ``%whos``, which a learner would type to see the same.
"""

from __future__ import annotations

import contextlib
import io
import json

import torch
from IPython.core.interactiveshell import InteractiveShell

from timing import best_seconds, ms, print_table, ratio
from torchinspect.lab.listing import TensorListing, changed_rows

COUNT = 1000
SIZES = (1_000, 100_000)


def namespace(size: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(size)
    return {f"t{i}": torch.randn(size, generator=generator) for i in range(COUNT)}


def after_a_cell(listing: TensorListing, names: dict[str, torch.Tensor], sent: dict) -> None:
    rows = listing.list(names).rows
    changed_rows(sent, rows)


def measure(size: int, shell: InteractiveShell) -> list[str]:
    names = namespace(size)
    bare = best_seconds(lambda: [(t.shape, t.dtype, t.device, t.requires_grad) for t in names.values()])
    shell.user_ns.update(names)
    with contextlib.redirect_stdout(io.StringIO()):
        whos = best_seconds(lambda: shell.run_line_magic("whos", ""), repeat=3)
    for name in names:
        del shell.user_ns[name]

    first = best_seconds(lambda: TensorListing().list(names), repeat=3)
    listing = TensorListing()
    sent = listing.list(names).rows
    for _ in range(1 + COUNT * size // listing.scan_budget):
        sent = listing.list(names).rows  # every tensor counted once, as after a few cells
    unchanged = best_seconds(lambda: after_a_cell(listing, names, sent))

    def one_changed() -> None:
        names["t0"].add_(0)  # an in-place write: t0 is counted again
        after_a_cell(listing, names, sent)

    changed = best_seconds(one_changed)
    update = len(json.dumps(list(sent.values())).encode())
    label = f"{COUNT} × {size:.0e} float32"
    return [label, ms(bare), ms(whos), ms(first), ms(unchanged), ratio(unchanged, bare), ratio(whos, unchanged), ms(changed), f"{update:,} B"]


def run() -> None:
    shell = InteractiveShell.instance()
    print_table(
        "sidebar listing after a cell vs a bare metadata loop and IPython's %whos",
        ["namespace", "bare loop", "%whos", "first listing", "unchanged", "÷ bare", "%whos ÷ unchanged", "one changed", "full listing JSON"],
        [measure(size, shell) for size in SIZES],
    )
