"""A recorded backward pass → the ``torchinspect.gradients/1`` contract, with flags in words.

The contract is defined by ``schema/gradients-1.json`` and described in
docs/gradients-schema.md. Node ids are the graph snapshot's (``n<position>``), so a view
lays the gradients on the graph it already drew; names of leaves come from that snapshot.

Flags say what a learner should look at:

- ``nonfinite_origin``: the first node, in the order autograd ran them, whose leaving
  gradients hold NaN or Inf while those arriving at it were finite: where it began.
- ``vanishing`` / ``exploding``: the first node whose arriving gradient, by its root mean
  square, is below ``VANISHING_BELOW`` or above ``EXPLODING_ABOVE`` times the gradient that
  began the pass. Root mean squares compare tensors of any size. When the root node reduces
  (a loss's mean or sum: it sends back to more elements than it got), the scale is what it
  sent back, not the 1 that ``loss.backward()`` starts with: that takes out the 1/N a mean over
  N elements puts on every gradient of a healthy model. Otherwise the scale is what the root
  got, so that its own derivative counts (ten chained sigmoids shrink a gradient to 3.5e-7,
  the first of them included). A factor of a million either way is far outside what trains
  well.
"""

from __future__ import annotations

import math
from typing import Any

from torchinspect.gradients.backward_pass import Entry, RecordedPass
from torchinspect.graph.wire import node_count

SCHEMA = "torchinspect.gradients/1"
MIME_TYPE = "application/vnd.torchinspect.gradients+json"
"""The MIME type under which a saved output carries the gradients, beside the graph."""

VANISHING_BELOW = 1e-6
EXPLODING_ABOVE = 1e6
# Values are for following a small graph step by step; a deep one would send megabytes of them
# (a chain of 30,000 nodes of 16 elements: 26 MB of JSON with them, 17.5 MB without).
VALUES_UP_TO_NODES = 1_000


def gradient_report(recorded: RecordedPass, passes: int, graph: dict[str, Any]) -> dict[str, Any]:
    """The contract's data for the last recorded pass through ``graph`` (a graph snapshot).

    Example:
        >>> import torch
        >>> from torchinspect import autograd_graph
        >>> from torchinspect.gradients.recorder import GradientRecorder
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> recorder = GradientRecorder(y)
        >>> y.backward()
        >>> report = gradient_report(*recorder.take_record(), autograd_graph(y, params={"x": x}))
        >>> report["order"], report["nodes"]["n2"]["arriving"][0]["values"], report["parameters"]
        (['n0', 'n1', 'n2'], [2.0, 4.0], [{'node': 'n2', 'name': 'x', 'norm': 4.47213595499958}])
    """
    graph_nodes = {node["id"]: node for node in graph.get("nodes", ())}
    order = [f"n{position}" for position, _, _ in recorded.steps]
    entries = _with_values if node_count(graph) <= VALUES_UP_TO_NODES else _without_values
    nodes = {
        node_id: {"step": step, "arriving": entries(arriving), "leaving": entries(leaving)}
        for step, (node_id, (_, arriving, leaving)) in enumerate(zip(order, recorded.steps))
    }
    return {
        "schema": SCHEMA,
        "passes": passes,
        "complete": recorded.complete,
        "order": order,
        "nodes": nodes,
        "parameters": _parameters(order, nodes, graph_nodes),
        "flags": _flags(order, nodes, graph_nodes),
    }


def _with_values(entries: list[Entry | None]) -> list[Entry | None]:
    return entries


def _without_values(entries: list[Entry | None]) -> list[Entry | None]:
    return [entry if entry is None or entry["values"] is None else {**entry, "values": None} for entry in entries]


def _parameters(order: list[str], nodes: dict[str, Any], graph_nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """The leaves this pass reached, by the norm of the gradient it brought them, largest first."""
    leaves = [
        {"node": node_id, "name": graph_nodes[node_id].get("name"), "norm": _norm(nodes[node_id]["arriving"])}
        for node_id in order
        if graph_nodes.get(node_id, {}).get("kind") == "leaf"
    ]
    return sorted(leaves, key=lambda leaf: -math.inf if leaf["norm"] is None else leaf["norm"], reverse=True)


def _norm(entries: list[Entry | None]) -> float | None:
    norms = [entry["norm"] for entry in entries if entry is not None and entry["norm"] is not None]
    return math.hypot(*norms) if norms else None


def _rms(entries: list[Entry | None]) -> float | None:
    """The root mean square of the finite values of some gradients, together."""
    measured = [entry for entry in entries if entry is not None and entry["norm"] is not None]
    count = sum(entry["numel"] - _nonfinite(entry) for entry in measured)
    if count == 0:
        return None
    return math.hypot(*(entry["norm"] for entry in measured)) / math.sqrt(count)


def _nonfinite(entry: Entry | None) -> int:
    return 0 if entry is None else entry["nan"] + entry["posinf"] + entry["neginf"]


def _flags(order: list[str], nodes: dict[str, Any], graph_nodes: dict[str, Any]) -> list[dict[str, str]]:
    def label(node_id: str) -> str:
        return _label(graph_nodes.get(node_id, {}))

    flags = []
    origin = _nonfinite_origin(order, nodes, label)
    if origin is not None:
        flags.append(origin)
    flags.extend(_size_flags(order, nodes, label))
    return flags


def _nonfinite_origin(order: list[str], nodes: dict[str, Any], label: Any) -> dict[str, str] | None:
    seed = nodes["n0"]["arriving"] if "n0" in nodes else []
    if any(map(_nonfinite, seed)):
        return {
            "kind": "nonfinite_origin",
            "node": "n0",
            "message": f"The gradient that started backward already holds {_what(seed)}: look at "
            f"the gradient passed to backward(), which reached {label('n0')} first.",
        }
    for node_id in order:
        arriving, leaving = nodes[node_id]["arriving"], nodes[node_id]["leaving"]
        if any(map(_nonfinite, leaving)) and not any(map(_nonfinite, arriving)):
            return {
                "kind": "nonfinite_origin",
                "node": node_id,
                "message": f"{label(node_id)} is where the gradient first went bad: the gradient arriving "
                f"at it was finite, but the gradient it passed back holds {_what(leaving)}.",
            }
    return None


def _what(entries: list[Entry | None]) -> str:
    nan = sum(entry["nan"] for entry in entries if entry is not None)
    inf = sum(entry["posinf"] + entry["neginf"] for entry in entries if entry is not None)
    parts = [f"{nan:,} NaN" if nan else "", f"{inf:,} infinite value{'s' * (inf != 1)}" if inf else ""]
    return " and ".join(part for part in parts if part)


def _size_flags(order: list[str], nodes: dict[str, Any], label: Any) -> list[dict[str, str]]:
    root = nodes.get("n0")
    start, sent_back = _scale(root) if root else (None, False)
    if not start:
        return []
    arriving = [(node_id, _rms(nodes[node_id]["arriving"])) for node_id in order if node_id != "n0"]
    ratios = [(node_id, rms / start) for node_id, rms in arriving if rms is not None]
    where = f"the gradient {label('n0')} {'sent back' if sent_back else 'got'}, where backward began"
    flags = []
    vanished = [(node_id, ratio) for node_id, ratio in ratios if ratio < VANISHING_BELOW]
    if vanished:
        node_id, ratio = vanished[0]
        size = "exactly zero" if ratio == 0 else f"{ratio:.1e} times {where}"
        flags.append(
            {
                "kind": "vanishing",
                "node": node_id,
                "message": f"The gradient has vanished at {label(node_id)}: what arrives there is {size} "
                f"(root mean square), so what comes before it barely learns. "
                f"{_count(len(vanished), len(order))} get gradients this small.",
            }
        )
    exploded = [(node_id, ratio) for node_id, ratio in ratios if ratio > EXPLODING_ABOVE]
    if exploded:
        node_id, ratio = exploded[0]
        flags.append(
            {
                "kind": "exploding",
                "node": node_id,
                "message": f"The gradient has exploded at {label(node_id)}: what arrives there is {ratio:.1e} "
                f"times {where} (root mean square), so a training step would overshoot. "
                f"{_count(len(exploded), len(order))} get gradients this large.",
            }
        )
    return flags


def _scale(root: dict[str, Any]) -> tuple[float | None, bool]:
    """What the gradients are measured against, and whether the root node sent it back: what
    the root sent back when it spread the gradient over more elements than it got (a mean's 1/N
    is no vanishing), else what it got (an elementwise root's own derivative, a sigmoid's, is
    part of the chain measured)."""
    arriving, leaving = _rms(root["arriving"]), _rms(root["leaving"])
    if leaving and (arriving is None or _count_elements(root["leaving"]) > _count_elements(root["arriving"])):
        return leaving, True
    return arriving, False


def _count_elements(entries: list[Entry | None]) -> int:
    return sum(entry["numel"] for entry in entries if entry is not None)


def _count(flagged: int, ran: int) -> str:
    return f"{flagged:,} of the {ran:,} nodes backward ran"


def _label(node: dict[str, Any]) -> str:
    """How a learner knows the node: ``the leaf x``, ``mul (MulBackward0)``."""
    if node.get("kind") == "leaf":
        name = node.get("name")
        return f"the leaf {name}" if name else "a leaf (AccumulateGrad)"
    op, forward_op = node.get("op"), node.get("forward_op")
    if op is None:
        return f"node {node.get('id', '?')}"
    return f"{forward_op} ({op})" if forward_op else op
