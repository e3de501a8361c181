"""Stretches of forward order: how a graph that nothing repeats in is folded on the wire.

A graph of a few thousand distinct nodes (a chain of ops that never come again in the same
order, a network of layers each unlike the others) has no repeat for ``wire.first_payload``
to elide, and its whole snapshot can be megabytes. So the ops no repeat holds are read in
forward order (sequence numbers) and cut into at most SPAN_PARTS stretches, each a **span**:
a fold in the shape of a repeat (``folding.repeats``' entries, with ``kind: "span"``), whose
units are its ops one by one, each with the leaves that fold with it (those all of whose takers
are in the span, with the first taker). The page draws a span as one box, "ops 121–480 of
2,000 · in forward order", and asks for its units as it asks for a repeat's (``wire.graph_part``). A span is not a repeat: its units are not alike, so it has
no pattern and no label, and ``span`` says where its ops lie among all the graph's ops that
no repeat holds. Where parameter names give modules (``folding.inferred_modules``, or the
recorded stamps), a span keeps to one top-level module, and says which.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

SPAN_PARTS = 24
"""At most this many spans cut the ops no repeat holds, so that they open as a few dozen boxes."""
MIN_SPAN_UNITS = 3
"""A span sends its first and last unit and elides the others: fewer ops are left as they are."""


def span_folds(
    graph: dict[str, Any], parts: int = SPAN_PARTS, apart: Collection[str] = frozenset()
) -> list[dict[str, Any]]:
    """The spans of a view's snapshot (``graph_for_view``, with ``folding``): its ops outside
    every repeat, in forward order, cut into at most ``parts`` stretches of one top-level module
    each, as ``folding.repeats``' entries of kind ``span``. The leaves ``apart`` (those folded as
    a node's many inputs, ``inputs.input_folds``) go with no op. The same graph gives the same spans.

    Example:
        >>> import torch
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> h = torch.ones(3, requires_grad=True)
        >>> for op in [torch.sin, torch.cos, torch.tanh, torch.sigmoid, torch.atan, torch.asinh, torch.erf, torch.exp]:
        ...     h = op(h)
        >>> spans = span_folds(graph_for_view(h.sum()), parts=3)
        >>> [(span["span"]["first"], span["span"]["of"], len(span["units"])) for span in spans]
        [(0, 9, 3), (3, 9, 3), (6, 9, 3)]
        >>> spans[0]["units"][0]  # the first op, sin, with the leaf only it takes
        ['n8', 'n9']
    """
    folding = graph.get("folding", {})
    in_repeats = {node for repeat in folding.get("repeats", ()) for unit in repeat["units"] for node in unit}
    ops = [node for node in graph["nodes"] if node["kind"] == "op" and node["id"] not in in_repeats]
    ops.sort(key=lambda node: math.inf if node["sequence_nr"] is None else node["sequence_nr"])
    cuts = _cuts(ops, _top_module_of(graph), parts)
    leaves = _leaves_of(graph, [node["id"] for node in ops], cuts, apart)
    units = [[node["id"], *leaves.get(node["id"], ())] for node in ops]
    return [_span(units[start:end], start, len(units), module) for start, end, module in cuts]


def _cuts(ops: list[dict[str, Any]], module_of: dict[str, str], parts: int) -> list[tuple[int, int, str | None]]:
    """``(start, end, module)`` of each span among the ops in forward order: a top-level module's
    stretch cut into pieces of about an equal share of ``parts``; pieces too short are left out."""
    size = max(MIN_SPAN_UNITS, math.ceil(len(ops) / max(1, parts)))
    runs = _module_runs([module_of.get(node["id"]) for node in ops])
    boxes = sum(1 if high - low >= MIN_SPAN_UNITS else high - low for low, high, _ in runs)
    if boxes > parts:  # modules too many and too small to hold a span each: forward order alone cuts
        runs = [(0, len(ops), None)]
    cuts = []
    for low, high, module in runs:
        pieces = math.ceil((high - low) / size)
        for piece in range(pieces):
            start = low + (high - low) * piece // pieces
            end = low + (high - low) * (piece + 1) // pieces
            if end - start >= MIN_SPAN_UNITS:
                cuts.append((start, end, module))
    return cuts


def _leaves_of(
    graph: dict[str, Any], ops: list[str], cuts: list[tuple[int, int, str | None]], apart: Collection[str]
) -> dict[str, list[str]]:
    """The leaves that fold with each op: those every taker of which is in one span, with the
    first of their takers (a weight taken by a step's mul and add); a leaf that spans take
    apart (an input of every branch) stays outside them, drawn, linking them."""
    span_at = [-1] * len(ops)
    for number, (start, end, _) in enumerate(cuts):
        span_at[start:end] = [number] * (end - start)
    position = {op: place for place, op in enumerate(ops)}
    leaves = {node["id"] for node in graph["nodes"] if node["kind"] == "leaf" and node["id"] not in apart}
    takers: dict[str, set[int]] = {}
    for edge in graph["edges"]:
        if edge["source"] in leaves:
            takers.setdefault(edge["source"], set()).add(position.get(edge["target"], -1))
    with_op: dict[str, list[str]] = {}
    for leaf, places in takers.items():
        if -1 not in places and len({span_at[place] for place in places}) == 1 and span_at[min(places)] >= 0:
            with_op.setdefault(ops[min(places)], []).append(leaf)
    return with_op


def _span(units: list[list[str]], first: int, of: int, module: str | None) -> dict[str, Any]:
    return {
        "kind": "span",
        "container": None,
        "units": units,
        "pattern": None,
        "label": None,
        "unlike": [],
        "span": {"first": first, "of": of, "module": module},
    }


def _top_module_of(graph: dict[str, Any]) -> dict[str, str]:
    """Each node's top-level module: recorded stamps where present, else the inferred modules."""
    recorded = {
        node["id"]: path for node in graph["nodes"] if isinstance(path := node["metadata"].get("module"), str) and path
    }
    paths = recorded or graph.get("folding", {}).get("inferred_modules", {})
    return {node: path.split(".", 1)[0] for node, path in paths.items()}


def _module_runs(modules: Sequence[str | None]) -> list[tuple[int, int, str | None]]:
    """``(start, end, module)`` for each stretch of consecutive ops in one top-level module (or none)."""
    runs: list[tuple[int, int, str | None]] = []
    for position, module in enumerate(modules):
        if runs and runs[-1][2] == module:
            runs[-1] = (runs[-1][0], position + 1, module)
        else:
            runs.append((position, position + 1, module))
    return runs
