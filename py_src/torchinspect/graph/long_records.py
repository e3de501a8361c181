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

from torchinspect.tensor.long_shapes import is_long, sent_dims

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


def with_shapes_cut(gradients: dict[str, Any]) -> dict[str, Any]:
    """``gradients`` (gradients/1) with each gradient's shape of more than ``long_shapes.SENT_DIMS``
    dimensions cut (``sent_dims``), as the graph's are: itself where none is that long. The
    gradient of a tensor of 60,001 dimensions made a 3-node record 721 KB.

    Example:
        >>> grad = {"shape": [1] * 2_000 + [3], "norm": 1.0}
        >>> sent = with_shapes_cut({"nodes": {"n0": {"step": 0, "arriving": [grad, None], "leaving": []}}})
        >>> sent["nodes"]["n0"]["arriving"][0]["shape"]["length"], sent["nodes"]["n0"]["arriving"][1]
        (2001, None)
    """
    nodes = gradients.get("nodes") or {}
    cut = {node: _record_with_shapes_cut(record) for node, record in nodes.items()}
    return gradients if all(cut[node] is record for node, record in nodes.items()) else {**gradients, "nodes": cut}


def _record_with_shapes_cut(record: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key in ("arriving", "leaving"):
        if any(map(_has_long_shape, record[key])):
            changed[key] = [gradient_with_shape_cut(entry) for entry in record[key]]
    long = record.get("long", {})
    if any(_has_long_shape(entry) for cut in long.values() for entry in cut["at"].values()):
        changed["long"] = {
            key: {**cut, "at": {at: gradient_with_shape_cut(entry) for at, entry in cut["at"].items()}}
            for key, cut in long.items()
        }
    return {**record, **changed} if changed else record


def _has_long_shape(entry: dict[str, Any] | None) -> bool:
    return entry is not None and is_long(entry["shape"])


def gradient_with_shape_cut(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """A gradient's summary with its shape cut past ``long_shapes.SENT_DIMS`` (``sent_dims``); itself where not."""
    return {**entry, "shape": sent_dims(entry["shape"])} if entry is not None and is_long(entry["shape"]) else entry
