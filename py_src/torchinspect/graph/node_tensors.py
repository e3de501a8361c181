"""The tensor behind one node of a graph snapshot, found again from the inspected tensor.

The page draws a graph snapshot and asks for the values of a leaf, of the root, or of a
tensor an op saved for backward, by the node's id. Nodes cannot be weakly referenced, so
the graph is walked again from the tensor, which the inspector holds weakly; the node at
that position must still be the op the page drew. Walking it again leaves no new mark: the
first walk made every node's wrapper, and a deep graph is held since (``safety``).
"""

from __future__ import annotations

import torch

from torchinspect.graph.nodes import node_class
from torchinspect.graph.walk import grad_fns, walk


class NodeTensorError(LookupError):
    """The node or its tensor is not there any more; the message says why, for the user."""


def node_tensor(root: torch.Tensor, node_id: str, op: str | None, saved: str | None) -> torch.Tensor:
    """The tensor of node ``node_id`` in the graph behind ``root``, or a saved tensor of it.

    ``t0`` is ``root`` itself; ``n<i>`` is the i-th autograd node breadth-first, as in
    ``autograd_graph(root)``; ``op`` is its class name as the page drew it. With ``saved``,
    the tensor that node saved for backward under that name (``MvBackward0``'s ``self``);
    without, a leaf's variable. Never runs a saved-tensors unpack hook.
    """
    if node_id == "t0" and saved is None:
        return root
    nodes = walk(grad_fns([root]))[0] if node_id.startswith("n") else []
    index = int(node_id[1:]) if node_id.startswith("n") else -1
    if not 0 <= index < len(nodes):
        raise NodeTensorError(f"torchinspect: the graph has no node {node_id} now; refresh the inspector")
    node = nodes[index]
    known = node_class(type(node))
    if known.op != op:
        raise NodeTensorError(
            f"torchinspect: node {node_id} is {known.op} now, not {op}: the graph changed "
            "since it was drawn; refresh the inspector"
        )
    if saved is None:
        if not known.is_leaf:
            raise NodeTensorError(f"torchinspect: {op} is an op; ask for one of its saved tensors")
        return node.variable  # type: ignore[attr-defined]
    return _saved_tensor(node, known.saved_tensors, saved)


def _saved_tensor(node: object, saved_tensors: tuple[tuple[str, str, str], ...], saved: str) -> torch.Tensor:
    raw_attribute = next((raw for name, raw, _ in saved_tensors if name == saved), None)
    if raw_attribute is None:
        names = ", ".join(name for name, _, _ in saved_tensors) or "nothing"
        raise NodeTensorError(f"torchinspect: {type(node).__name__} saved no tensor {saved!r} (it saved: {names})")
    raw = getattr(node, raw_attribute)
    if isinstance(raw, tuple):
        raise NodeTensorError(f"torchinspect: {saved!r} is a list of tensors; its values are not shown")
    if raw.unpack_hook is not None:
        raise NodeTensorError(
            f"torchinspect: {saved!r} was packed by a saved_tensors_hooks pack hook; showing it "
            "would run your unpack hook, so it is not shown"
        )
    if raw.data is None:
        raise NodeTensorError(f"torchinspect: {saved!r} is not there: freed by backward(), or never saved")
    return raw.data
