"""The walk through an autograd graph: every node reachable from some roots, and the edges.

Everything that reads a graph walks it here: the graph snapshot, the recorder of gradients,
the node tensors found again by id, the module recording. Walks are iterative, so graphs of
any depth work; they run no operation and register no hook. Reading a node from Python
leaves a mark that matters when a deep graph is freed: ``walk`` hands every deep graph
it reads to ``safety``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
from torch.autograd.graph import Node

from torchinspect.graph.safety import hold_if_deep

Edge = tuple[int, int, int, int]
"""An edge as the walk finds it: ``(source, target, input, output_nr)``, the first two
positions in the walked node list. Output ``output_nr`` of the source node is input number
``input`` of the target node: edges run in the forward direction."""


def grad_fns(tensors: Iterable[torch.Tensor]) -> list[Node]:
    """The autograd nodes that made the tensors; a leaf, which none made, adds nothing."""
    return [tensor.grad_fn for tensor in tensors if tensor.grad_fn is not None]


def walk(start: list[Node]) -> tuple[list[Node], list[Edge]]:
    """Every node reachable from ``start``, breadth-first, and the edges between them.

    The nodes of ``start`` come first, in order and once each; a node's position in the
    list is its id ``n<position>`` in the graph snapshot. However the walk ends (done,
    interrupted, failed), a deep graph is held for crash safety the moment it stops
    (``safety.hold_if_deep``): every walk, whoever asks for it, is covered.

    Example:
        >>> import torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> nodes, edges = walk(grad_fns([(x * 2).sum()]))
        >>> [type(node).__name__ for node in nodes], edges
        (['SumBackward0', 'MulBackward0', 'AccumulateGrad'], [(1, 0, 0, 0), (2, 1, 0, 0)])
    """
    position: dict[Node, int] = {}
    nodes: list[Node] = []
    edges: list[Edge] = []
    append_node, append_edge, find = nodes.append, edges.append, position.get
    # Breadth-first, a node the walk finds is one level past the node that found it, so the
    # levels count the nodes of a path that exists: a floor under the graph's depth. Where
    # no edge goes back to a node found at an earlier level or the same one, every edge
    # steps one level and the levels are the depth itself.
    levels, next_level, steps_back = 0, 0, False
    try:
        for node in start:
            if node not in position:
                position[node] = len(nodes)
                append_node(node)
        # Counters instead of enumerate(): this loop runs once per edge, and an enumerate
        # tuple unpacked per edge cost 12-18% of the walk (G4, G6).
        target = 0
        for node in nodes:  # the list grows as the walk finds nodes
            if target == next_level:
                levels, next_level = levels + 1, len(nodes)
            input_nr = 0
            for source, output_nr in node.next_functions:
                if source is not None:
                    found = find(source)
                    if found is None:
                        found = position[source] = len(nodes)
                        append_node(source)
                    elif found < next_level:
                        steps_back = True
                    append_edge((found, target, input_nr, output_nr))
                input_nr += 1
            target += 1
    finally:
        hold_if_deep(nodes, edges, levels, exact=not steps_back)
    return nodes, edges


def reachable(start: Iterable[Node], follow: Callable[[Node], bool] | None = None) -> Iterator[Node]:
    """Each node reachable from ``start``, once, breadth-first, as the walk reaches it.

    With ``follow``, the walk goes on into a node's inputs only where ``follow(node)`` is
    true; the node itself is yielded either way. Stop iterating to stop the walk.
    """
    seen = dict.fromkeys(start)
    queue = list(seen)
    for node in queue:  # the queue grows as the walk finds nodes
        yield node
        if follow is not None and not follow(node):
            continue
        for source, _ in node.next_functions:
            if source is not None and source not in seen:
                seen[source] = None
                queue.append(source)
