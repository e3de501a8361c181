"""Keeping inspectors up to date: after each notebook cell, every live inspector whose tensor
changed (its version counter, its grad, its grad_fn) takes a new snapshot, and every inspector
publishes the gradients a backward pass through its graph recorded (``gradients.recorder``).

Refreshing once per cell coalesces a training loop of any length into one update, and needs no
hook on the user's tensors. Inspectors are tracked weakly: a closed or collected inspector is
simply no longer refreshed.
"""

from __future__ import annotations

import warnings
import weakref
from typing import Protocol

from torchinspect._kernel import after_each_cell


class Refreshable(Protocol):
    paused: bool

    def refresh(self, *, force: bool = False) -> None: ...


_live: weakref.WeakSet[Refreshable] = weakref.WeakSet()


def track(inspector: Refreshable) -> bool:
    """Refresh ``inspector`` after every cell from now on; say whether cells will.

    Only IPython runs a hook after each cell: elsewhere (marimo, plain Python) the
    inspector changes when asked to refresh, and this returns False.
    """
    _live.add(inspector)
    return after_each_cell(refresh_live_inspectors) is not None


def untrack(inspector: Refreshable) -> None:
    _live.discard(inspector)


def refresh_live_inspectors(_result: object = None) -> None:
    """Refresh every tracked inspector that is not paused; one failure never stops a cell."""
    for inspector in list(_live):
        if inspector.paused:
            continue
        try:
            inspector.refresh()
        except Exception as error:  # noqa: BLE001 - the user's cell must not fail for a view
            warnings.warn(f"torchinspect: an inspector could not refresh: {error}", stacklevel=1)
