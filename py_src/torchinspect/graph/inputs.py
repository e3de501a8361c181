"""The inputs of one node, many leaves wide: how ``torch.stack`` of 20,000 leaves is folded on the wire.

A node can take thousands of leaves that nothing else takes (``torch.stack(list_of_leaves)``,
``torch.cat`` of parameters, ``sum`` over a list of weights in one op). No repeat holds them,
since leaves are not ops, and a span's unit carries its op's leaves with it: one such unit is
megabytes. So the leaves of a node that takes more than INPUTS_SHOWN of them only are one fold
of kind ``inputs`` (in ``folding.repeats``' shape, as spans are), whose units are the leaves
one by one in the order the node takes them; ``wire.first_payload`` elides it as it elides a
span, and the page draws it as one box, "20,000 inputs of StackBackward0", that opens through
the same graph-part request.
"""

from __future__ import annotations

from typing import Any

INPUTS_SHOWN = 16
"""A node taking more leaves than this, that nothing else takes, has them folded into one box."""


def input_folds(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``inputs`` folds of a view's snapshot (``graph_for_view``, with ``folding``): for each
    node taking more than INPUTS_SHOWN leaves no other node takes and no repeat holds, those
    leaves, one unit each, in the order of the node's inputs. The same graph gives the same folds.

    Example:
        >>> import torch
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> leaves = [torch.ones(2, requires_grad=True) for _ in range(20)]
        >>> (fold,) = input_folds(graph_for_view(torch.stack(leaves).sum()))
        >>> fold["kind"], len(fold["units"]), fold["inputs"]
        ('inputs', 20, {'of': 'n1', 'op': 'StackBackward0'})
    """
    in_repeats = {
        node for repeat in graph.get("folding", {}).get("repeats", ()) for unit in repeat["units"] for node in unit
    }
    leaves = {node["id"] for node in graph["nodes"] if node["kind"] == "leaf" and node["id"] not in in_repeats}
    takers: dict[str, set[str]] = {}
    taken: dict[str, list[tuple[int, str]]] = {}
    for edge in graph["edges"]:
        if edge["source"] in leaves:
            takers.setdefault(edge["source"], set()).add(edge["target"])
            taken.setdefault(edge["target"], []).append((edge["input"], edge["source"]))
    ops = {node["id"]: node["op"] for node in graph["nodes"]}
    folds = []
    for node, inputs in taken.items():
        own = list(dict.fromkeys(leaf for _, leaf in sorted(inputs) if takers[leaf] == {node}))
        if len(own) > INPUTS_SHOWN:
            folds.append(_fold(own, node, ops.get(node)))
    return folds


def shared_input_folds(
    graph: dict[str, Any], takers: dict[str, list[str]], shown: int = INPUTS_SHOWN
) -> list[dict[str, Any]]:
    """``inputs`` folds of leaves other nodes take too: ``takers`` gives each leaf the nodes
    taking it that may hold the fold; a leaf goes with the first of them in the graph's order,
    and a node given more than ``shown`` leaves has them folded, in the order it takes them,
    with ``others`` saying how many other nodes take some of them. The last resort of the wire
    (``wire._gathered``): 5,000 leaves a stack and a cat both take, which no other fold holds.

    Example:
        >>> import torch
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> leaves = [torch.ones(2, requires_grad=True) for _ in range(20)]
        >>> graph = graph_for_view(torch.stack(leaves).sum() + torch.cat(leaves).sum())
        >>> taken = {}
        >>> for edge in graph["edges"]:
        ...     if edge["source"] in {node["id"] for node in graph["nodes"] if node["kind"] == "leaf"}:
        ...         taken.setdefault(edge["source"], []).append(edge["target"])
        >>> (fold,) = shared_input_folds(graph, taken)
        >>> len(fold["units"]), fold["inputs"]
        (20, {'of': 'n3', 'op': 'StackBackward0', 'others': 1})
    """
    place = {node["id"]: number for number, node in enumerate(graph["nodes"])}
    first = {leaf: min(nodes, key=place.__getitem__) for leaf, nodes in takers.items() if nodes}
    taken: dict[str, list[tuple[int, str]]] = {}
    others: dict[str, set[str]] = {}
    for edge in graph["edges"]:
        leaf = edge["source"]
        if leaf not in first:
            continue
        if edge["target"] == first[leaf]:
            taken.setdefault(edge["target"], []).append((edge["input"], leaf))
        else:
            others.setdefault(first[leaf], set()).add(edge["target"])
    ops = {node["id"]: node["op"] for node in graph["nodes"]}
    folds = []
    for node, inputs in taken.items():
        leaves = list(dict.fromkeys(leaf for _, leaf in sorted(inputs)))
        if len(leaves) > shown:
            folds.append(_fold(leaves, node, ops.get(node), len(others.get(node, ()))))
    return folds


def _fold(leaves: list[str], node: str, op: str | None, others: int = 0) -> dict[str, Any]:
    return {
        "kind": "inputs",
        "container": None,
        "units": [[leaf] for leaf in leaves],
        "pattern": None,
        "label": None,
        "unlike": [],
        "inputs": {"of": node, "op": op, **({"others": others} if others else {})},
    }
