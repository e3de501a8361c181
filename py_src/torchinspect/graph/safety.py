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
from collections.abc import Sequence
from typing import Any

from torch.autograd.graph import Node

from torchinspect._kernel import AfterCells, after_each_cell

# Above this many nodes on one path from a root, the walked graph is held and freed
# root-first (see release_held_graphs): freeing a walked chain costs about 175 bytes of
# C stack per node, so 1,000 stays far inside the smallest common thread stacks.
HOLD_DEEPER_THAN = 1_000

# The one owner of held nodes for the whole process: one reference each, keyed by id (a
# held node cannot be freed, so its id stays its own), however many walks found it.
_held: dict[int, Node] = {}
# The ids of each held node's inputs, so that freeing a node leads to the inputs it freed up.
_inputs: dict[int, tuple[int, ...]] = {}
_after_cells: AfterCells | None = None

# An edge as graph.walk finds it: (source, target, input, output_nr), positions in the walk.
WalkedEdge = tuple[int, int, int, int]


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
    if not _held and _after_cells is None:
        return 0  # the usual case, at the start of every snapshot
    while _release_unowned():
        pass  # a node whose inputs went unrecorded (an interrupted walk) may be free now
    if not _held:
        _stop_releasing_after_cells()
    return len(_held)


def _release_unowned() -> int:
    """Free each held node that nothing else owns, following each freed node to its inputs."""
    freed = 0
    # Popped in the order held: a walk holds its nodes parents first, so a graph held without
    # its inputs recorded (an interrupted walk) is still freed in one pass, not one node a pass.
    pending = list(reversed(_held))
    while pending:
        key = pending.pop()
        node = _held.get(key)
        # Held by the registry and by this frame alone: nothing else owns the node.
        if node is None or _refcount(node) > _UNSHARED + 1:
            continue
        del _held[key]
        pending.extend(_inputs.pop(key, ()))
        # Its inputs are still held here, so this frees exactly one node.
        del node
        freed += 1
    return freed


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


def hold_if_deep(nodes: list[Node], edges: Sequence[WalkedEdge], at_least: int = 0, exact: bool = False) -> bool:
    """Hold a walked graph whose longest path is deeper than HOLD_DEEPER_THAN; say whether.

    The walk calls it in a ``finally``, however the walk ends. ``at_least`` is the node
    count of a path the caller knows (the walk's levels), the depth itself if ``exact``.
    Where that does not settle it, the nodes are held first, in one step that an interrupt
    cannot split (a loop in C), and let go again if the graph turns out shallow. A node
    already held stays held once.
    """
    if len(nodes) <= HOLD_DEEPER_THAN or (exact and at_least <= HOLD_DEEPER_THAN):
        return False
    already_held = len(_held)
    _held.update(zip(map(id, nodes), nodes))
    inputs = _input_positions(len(nodes), edges)
    if at_least <= HOLD_DEEPER_THAN and _depth(inputs, edges) <= HOLD_DEEPER_THAN:
        _let_go_after(already_held)
        return False
    ids = list(map(id, nodes))
    for target, sources in enumerate(inputs):
        _inputs.setdefault(ids[target], tuple([ids[source] for source in sources]))
    _release_after_cells()
    return True


def _let_go_after(count: int) -> None:
    """Stop holding the nodes held after the first ``count`` (dicts keep insertion order)."""
    if count == 0:
        _held.clear()
        return
    for key in list(_held)[count:]:
        del _held[key]


def is_held(node: Node) -> bool:
    """Whether the node is held here for crash safety (its graph was deep when walked)."""
    return _held.get(id(node)) is node


def _input_positions(count: int, edges: Sequence[WalkedEdge]) -> list[list[int]]:
    inputs: list[list[int]] = [[] for _ in range(count)]
    for source, target, _, _ in edges:
        inputs[target].append(source)
    return inputs


def _depth(inputs: list[list[int]], edges: Sequence[WalkedEdge]) -> int:
    """The node count of the longest path, from the nodes that nothing consumes."""
    consumers = [0] * len(inputs)
    for source, _, _, _ in edges:
        consumers[source] += 1
    order = [position for position, count in enumerate(consumers) if count == 0]
    depth = [1] * len(inputs)
    for position in order:  # the list grows as nodes become ready
        further = depth[position] + 1
        for source in inputs[position]:
            if depth[source] < further:
                depth[source] = further
            left = consumers[source] - 1
            consumers[source] = left
            if not left:
                order.append(source)
    return max(depth, default=0)


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

        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_held))
