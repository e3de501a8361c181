"""Many edges between one pair of nodes, sent to the page as one edge that counts them.

``torch.stack([x] * 10_000)`` gives 10,000 edges from ``x``'s ``AccumulateGrad`` to one
``StackBackward0``: 652 KB of JSON between 4 nodes, which no fold can elide since both nodes
are drawn. The page draws one link per pair of boxes anyway (``× 10,000``), so on the wire the
edges of a pair past PAIR_EDGES_LISTED are one edge with ``count``. ``autograd_graph()`` keeps
every edge.
"""

from __future__ import annotations

from typing import Any

PAIR_EDGES_LISTED = 16
"""A pair of nodes with this many edges or fewer sends them all (``x * x`` takes ``x`` as ``self``
and ``other``, which the step panel names); past it, one edge with ``count`` stands for them."""


def with_edges_counted(graph: dict[str, Any]) -> dict[str, Any]:
    """``graph`` with the edges of each (source, target) pair that has more than PAIR_EDGES_LISTED
    of them sent as the first of them, in the graph's order, with ``count`` saying how many it
    stands for: the edges of a graph are then at most PAIR_EDGES_LISTED times its pairs.

    Example:
        >>> import torch
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> x = torch.ones(3, requires_grad=True)
        >>> graph = graph_for_view(torch.stack([x] * 1_000).sum())
        >>> sent = with_edges_counted(graph)
        >>> len(graph["edges"]), len(sent["edges"])
        (1002, 3)
        >>> [edge.get("count", 1) for edge in sent["edges"]]
        [1, 1, 1000]
    """
    pairs: dict[tuple[str, str], int] = {}
    for edge in graph["edges"]:
        pair = (edge["source"], edge["target"])
        pairs[pair] = pairs.get(pair, 0) + 1
    if all(count <= PAIR_EDGES_LISTED for count in pairs.values()):
        return graph
    edges = []
    counted: set[tuple[str, str]] = set()
    for edge in graph["edges"]:
        pair = (edge["source"], edge["target"])
        if pairs[pair] <= PAIR_EDGES_LISTED:
            edges.append(edge)
        elif pair not in counted:  # the pair's first edge stands for all; the others are left out
            edges.append({**edge, "count": pairs[pair]})
            counted.add(pair)
    return {**graph, "edges": edges}


def edge_count(edge: dict[str, Any]) -> int:
    """How many edges of the graph ``edge`` stands for (``with_edges_counted``)."""
    return int(edge.get("count", 1))
