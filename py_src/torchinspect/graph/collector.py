"""Pausing Python's cyclic garbage collector while the graph's plain data is built.

A snapshot of a big graph, and what the wire cuts from it, are millions of small containers,
all kept: the collections their making triggers go through all of them again and find nothing
to free (two thirds of the 4.6 s the first payload of a 100,000-node graph took).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block, as it was before after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
