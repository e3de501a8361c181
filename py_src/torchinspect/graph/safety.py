"""Crash safety: holding the nodes of deep walked graphs until torch can free them.

Reading a node from Python gives it a wrapper that the node keeps (torch's PyObject
preservation). When a chain of such nodes is freed, each node frees the next from
inside its wrapper's deallocation, one C stack frame each, instead of through torch's
iterative deleter: on torch 2.13 a walked chain of ~48,000 nodes crashes the process
when the user frees it. So a deep walked graph is held here, every node, and released
one node at a time, parents before their inputs, once the user's tensors are gone:
then each release frees exactly one node, whose inputs are still held.

Whether anything but us owns a node shows in its wrapper's reference count: the C++
node holds one reference on its wrapper exactly while something else (a tensor, a
node, a running backward) owns the node.
"""

from __future__ import annotations

import atexit
import sys
from collections.abc import Iterable
from typing import Any

from torch.autograd.graph import Node

from torchinspect._kernel import AfterCells, after_each_cell
from torchinspect.graph.walk import Edge

# Above this many nodes on one path from a root, the walked graph is held and freed
# root-first (see release_held_graphs): freeing a walked chain costs about 175 bytes of
# C stack per node, so 1,000 stays far inside the smallest common thread stacks.
HOLD_DEEPER_THAN = 1_000

_held_graphs: list[list[Node]] = []
_after_cells: AfterCells | None = None


def release_held_graphs() -> int:
    """Free what the user no longer owns of the deep graphs held for crash safety.

    ``autograd_graph`` holds the nodes of a graph deeper than ``HOLD_DEEPER_THAN``
    (its snapshot says ``"held": true``), because freeing such a walked graph all at
    once can overflow the C stack. Each held node is released, parents before their
    inputs, once nothing but this registry owns it. This runs by itself at the start of
    every ``autograd_graph`` call, after every notebook cell while graphs are held, and
    at interpreter exit; call it to free held graphs sooner.

    Returns:
        How many nodes are still held, because something else still owns them.

    Example:
        >>> import torch, torchinspect
        >>> from torchinspect.graph.safety import release_held_graphs
        >>> h = torch.zeros(4, requires_grad=True)
        >>> for _ in range(1_001):
        ...     h = h * 2
        >>> torchinspect.autograd_graph(h)["held"]
        True
        >>> release_held_graphs()  # h still owns its graph
        1002
        >>> del h
        >>> release_held_graphs()
        0
    """
    still_held = [kept for nodes in _held_graphs if (kept := release_root_first(nodes))]
    _held_graphs[:] = still_held
    if not still_held:
        _stop_releasing_after_cells()
    return sum(len(nodes) for nodes in still_held)


def _refcount(obj: object) -> int:
    return sys.getrefcount(obj)


def _unshared_refcount() -> int:
    held_once = object()
    return _refcount(held_once)


# The count _refcount reports for an object its caller holds once, on this Python.
_UNSHARED = _unshared_refcount()


def release_root_first(nodes: list[Node]) -> list[Node]:
    """Release the nodes only the caller owns, in order (parents first); return the others.

    The list is emptied: the caller must hold the nodes in it alone, parents before their
    inputs, so that each release frees exactly one node.
    """
    kept: list[Node] = []
    nodes.reverse()
    while nodes:
        node = nodes.pop()
        if _refcount(node) > _UNSHARED:
            kept.append(node)
        # If we were its only owner, this frees the node alone: its inputs come later.
        del node
    return kept


def hold_if_deep(nodes: list[Node], edges: Iterable[Edge]) -> bool:
    """Hold a walked graph whose longest path is deeper than HOLD_DEEPER_THAN; say whether."""
    if len(nodes) <= HOLD_DEEPER_THAN:
        return False
    order, depth = _parents_first(len(nodes), edges)
    if depth <= HOLD_DEEPER_THAN:
        return False
    _held_graphs.append([nodes[position] for position in order])
    _release_after_cells()
    return True


def _parents_first(count: int, edges: Iterable[Edge]) -> tuple[list[int], int]:
    """Positions with every node before its inputs, and the longest path's node count."""
    inputs: list[list[int]] = [[] for _ in range(count)]
    consumers = [0] * count
    for source, target, _, _ in edges:
        inputs[target].append(source)
        consumers[source] += 1
    order = [position for position in range(count) if consumers[position] == 0]
    depth = [1] * count
    for position in order:  # the list grows as nodes become ready
        for source in inputs[position]:
            depth[source] = max(depth[source], depth[position] + 1)
            consumers[source] -= 1
            if consumers[source] == 0:
                order.append(source)
    return order, max(depth, default=0)


def _release_after_cells() -> None:
    """Inside IPython, run the release after each cell, while anything is held."""
    global _after_cells
    if _after_cells is None:
        _after_cells = after_each_cell(_release_after_cell)


def _release_after_cell(result: Any) -> None:
    release_held_graphs()


def _stop_releasing_after_cells() -> None:
    global _after_cells
    if _after_cells is not None:
        _after_cells.remove()
        _after_cells = None


@atexit.register
def _release_at_exit() -> None:
    """Free what is free; keep for good what live tensors still own.

    At exit the user's tensors are still alive, and the interpreter frees modules in an
    order no one controls: ours could go first, and the graph would then be freed at
    once when the user's tensor goes. An extra reference that is never dropped keeps
    those nodes for the life of the process; the operating system reclaims them.
    """
    if release_held_graphs():
        import ctypes

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_held_graphs))
