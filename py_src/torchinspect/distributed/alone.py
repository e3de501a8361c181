"""What one rank can say of a DTensor by itself: its layout, read from its own metadata.

A widget's page talks to the one rank that drew it, so what the page asks later (the card of a
model's parameter) must not start a collective: the other ranks would never join it, and the rank
that did would wait out its timeout and leave the process group out of step. Within
``this_rank_alone()``, a DTensor's snapshot is its layout alone (global shape, mesh, placements,
every rank's block) and its statistics, histogram and preview say what they need.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from torchinspect.distributed.collectives import require_process_group
from torchinspect.distributed.placements import sharding_of

NEEDS_EVERY_RANK = (
    "not computed on one rank alone: a DTensor's global values are reduced by every rank of its mesh "
    "together. Call torchinspect.inspect on it on every rank to see them (a model's parameter: "
    "inspect(model.get_parameter(name)))"
)
"""Why a DTensor read by one rank alone has no statistics, histogram or preview."""

_alone = contextvars.ContextVar("torchinspect_this_rank_alone", default=False)


@contextlib.contextmanager
def this_rank_alone() -> Iterator[None]:
    """Within the block, a DTensor is read from this rank's metadata: its layout, no collective."""
    token = _alone.set(True)
    try:
        yield
    finally:
        _alone.reset(token)


def alone() -> bool:
    """Whether this rank reads DTensors by itself now (within ``this_rank_alone()``)."""
    return _alone.get()


def layout_contents(tensor: Any) -> dict[str, Any]:
    """A DTensor's snapshot contents as one rank can take them: its layout, no values."""
    require_process_group()
    fields = ("statistics", "histogram", "preview")
    return {
        **dict.fromkeys(fields),
        "values": None,
        "complex_parts": None,
        "not_computed": dict.fromkeys(fields, NEEDS_EVERY_RANK),
        "sharding": {**sharding_of(tensor), "collectives": 0},
    }
