"""Pausing Python's cyclic garbage collector while the graph's plain data is built.

A snapshot of a big graph, and what the wire cuts from it, are millions of small containers,
all kept: the collections their making triggers go through all of them again and find nothing
to free (two thirds of the 4.6 s the first payload of a 100,000-node graph took).
"""

from __future__ import annotations

import gc
from types import TracebackType


class collection_paused:  # lower case: used as contextlib's context managers are, like a function
    """Pause the cyclic garbage collector inside the block, as it was before after it.

    A class rather than a ``contextlib.contextmanager`` generator: a small graph's whole
    snapshot takes about 100 µs, and the generator's machinery cost 3 of them.
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._was_enabled:
            gc.enable()
