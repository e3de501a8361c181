"""Keeping inspectors up to date: after each notebook cell, every live inspector whose tensor
changed (its version counter, its grad, its grad_fn) takes a new snapshot, and every inspector
publishes the gradients a backward pass through its graph recorded (``gradients.recorder``).

Refreshing once per cell coalesces a training loop of any length into one update, and needs no
hook on the user's tensors. A cell that displays new output holds the earlier inspectors as of
their own cells (``shown``). Inspectors are tracked weakly: a closed or collected inspector is
simply no longer refreshed.
"""

from __future__ import annotations

import warnings
import weakref
from typing import Protocol, runtime_checkable

from torchinspect._kernel import after_each_cell


class Refreshable(Protocol):
    paused: bool

    def refresh(self, *, force: bool = False) -> None: ...


@runtime_checkable
class Holdable(Protocol):
    def hold(self) -> None: ...


_live: weakref.WeakSet[Refreshable] = weakref.WeakSet()
# What the running cell displayed: cleared after each cell.
_shown: weakref.WeakSet[object] = weakref.WeakSet()


def track(inspector: Refreshable) -> bool:
    """Refresh ``inspector`` after every cell from now on; say whether cells will.

    Only IPython runs a hook after each cell: elsewhere (marimo, plain Python) the
    inspector changes when asked to refresh, and this returns False.
    """
    _live.add(inspector)
    return after_each_cell(refresh_live_inspectors) is not None


def untrack(widget: object) -> None:
    """Stop refreshing ``widget`` after each cell (nothing happens if it was not tracked)."""
    _live.discard(widget)  # type: ignore[arg-type]


def shown(output: object) -> None:
    """Say that the running cell displayed ``output`` (an inspector or a comparison).

    A cell that shows new output is where the learner moved on: after it, every earlier
    inspector keeps its picture as of its own cell (``hold``) instead of taking that cell's
    changes, so that a notebook read from the top, or run all at once, shows each card as of
    its cell. Until then an inspector follows the cells that only compute (a ``backward()``, a
    training loop), as the lessons show; the page's Resume follows the latest state again.
    """
    if after_each_cell(refresh_live_inspectors) is not None:  # outside IPython no cell ends
        _shown.add(output)


def refresh_live_inspectors(_result: object = None) -> None:
    """Refresh every tracked inspector that is not paused, after holding the earlier ones if
    the cell showed new output (see ``shown``); one failure never stops a cell."""
    moved_on = len(_shown) > 0
    for inspector in list(_live):
        if inspector.paused:
            continue
        try:
            if moved_on and inspector not in _shown and isinstance(inspector, Holdable):
                inspector.hold()
            else:
                inspector.refresh()
        except Exception as error:  # noqa: BLE001 - the user's cell must not fail for a view
            warnings.warn(f"torchinspect: an inspector could not refresh: {error}", stacklevel=1)
    _shown.clear()
