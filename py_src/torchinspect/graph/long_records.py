"""A node's gradients record with thousands of entries, as the page first gets it.

A node's record lists a gradient for each of its outputs (``arriving``) and inputs
(``leaving``): ``torch.stack`` of 50,000 selects passes back 50,000 gradients, and ``split``
into 20,000 pieces gets 20,000 (4.7 MB of record, its graph folded to 6 KB). So, in the record
sent with a folded graph, a list of more than LISTED_ENTRIES entries is cut to its first ones,
and ``long`` says the rest: how long the list is, the entries the page draws (those of the
graph's edges it has) by index, and for ``arriving`` the magnitude of them all (what colours
the node). The whole record stays with the kernel; a graph part brings its nodes' records whole.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

LISTED_ENTRIES = 16
"""A node's record lists this many gradients of each kind at most, as its step panel does."""


def shortened(record: dict[str, Any], drawn_inputs: Collection[int], drawn_outputs: Collection[int]) -> dict[str, Any]:
    """``record`` (gradients/1's ``nodes`` entry) with its long lists cut, keeping the entries of
    ``drawn_inputs`` (``leaving``) and ``drawn_outputs`` (``arriving``); itself where none is long.

    Example:
        >>> grad = lambda norm: {"norm": norm, "nan": 0, "posinf": 0, "neginf": 0}
        >>> record = {"step": 3, "arriving": [grad(3.0)], "leaving": [grad(4.0)] * 20}
        >>> sent = shortened(record, drawn_inputs=[0, 19], drawn_outputs=[0])
        >>> len(sent["leaving"]), sent["long"]["leaving"]["length"], list(sent["long"]["leaving"]["at"])
        (16, 20, ['19'])
    """
    long = {}
    sent = dict(record)
    for key, drawn in (("arriving", drawn_outputs), ("leaving", drawn_inputs)):
        entries = record[key]
        if len(entries) <= LISTED_ENTRIES:
            continue
        sent[key] = entries[:LISTED_ENTRIES]
        kept = sorted(index for index in set(drawn) if LISTED_ENTRIES <= index < len(entries))
        cut: dict[str, Any] = {"length": len(entries), "at": {str(index): entries[index] for index in kept}}
        if key == "arriving":
            cut["magnitude"] = _magnitude(entries)
        long[key] = cut
    if long:
        sent["long"] = long
    return sent


def _magnitude(entries: list[dict[str, Any] | None]) -> dict[str, Any]:
    """What the page reads the magnitude of all the gradients from, as it reads each one's: a
    gradient holding a NaN counts as NaN, else one holding an Inf as Inf, else its norm; the
    norm of those norms together, and how many were NaN and Inf (an Inf makes the whole Inf,
    else a NaN makes it NaN)."""
    present = [entry for entry in entries if entry is not None]
    nan = [entry for entry in present if entry["nan"] > 0]
    inf = [entry for entry in present if entry["nan"] == 0 and entry["posinf"] + entry["neginf"] > 0]
    norms = [entry["norm"] for entry in present if entry["nan"] == 0 and entry["posinf"] + entry["neginf"] == 0]
    finite = [norm for norm in norms if norm is not None]
    return {"norm": math.hypot(*finite) if finite else None, "nan": len(nan), "inf": len(inf)}
