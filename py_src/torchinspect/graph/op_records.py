"""An op node's record in the graph snapshot, by a function written out for its node class.

Most of a graph's nodes are ops, and building each one's record through generic loops over its
saved tensors and values cost more than reading them from torch. So, as ``dataclasses`` writes
an ``__init__`` for each class, each autograd node class gets a function, made the first time one
of its nodes is met, that reads exactly its ``_raw_saved_*`` and ``_saved_*`` attributes and
returns the record as one dict literal, in the snapshot's key order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from torch.autograd.graph import Node

from torchinspect.graph.nodes import NodeClass
from torchinspect.graph.plain_values import IntLists, plain_metadata, values_code


class SavedTensors(Protocol):
    """What describes a graph's saved tensors (the snapshot's builder)."""

    def note_node(self, node_id: str) -> None:
        """The saved tensors described next are ``node_id``'s."""

    def describe(self, raw: Any) -> dict[str, Any] | None:
        """A raw saved tensor's record; None for a saved list or where there is no tensor."""

    def describe_missing(self, node: Node, raw: Any, attribute: str) -> dict[str, Any]:
        """The record of a saved list of tensors, or of one that reads as nothing."""


OpRecord = Callable[[str, Node, SavedTensors, IntLists], dict[str, Any]]
"""``(node id, node, what describes its saved tensors, the graph's lists of ints) → its record``"""

_WRITERS: dict[type, OpRecord] = {}


def writer(cls: type, node_class: NodeClass) -> OpRecord:
    """The function that writes the snapshot's record of an op node of class ``cls`` (any but a
    leaf's ``AccumulateGrad``), made the first time it is asked for.

    Example:
        >>> import torch
        >>> from torchinspect.graph.nodes import node_class
        >>> node = (torch.ones(2, requires_grad=True) * 2).sum().grad_fn
        >>> write = writer(type(node), node_class(type(node)))
        >>> record = write("n0", node, None, {})  # a sum saves no tensor to describe
        >>> record["op"], record["forward_op"], record["saved_values"]
        ('SumBackward0', 'sum', {'self_sym_sizes': [2]})
    """
    write = _WRITERS.get(cls)
    if write is None:
        write = _WRITERS[cls] = _write_writer(node_class)
    return write


def _write_writer(node_class: NodeClass) -> OpRecord:
    # The attributes are torch's _saved_* and _raw_saved_* names found by dir(): identifiers.
    lines = ["def write(node_id, node, saved, int_lists):"]
    if node_class.saved_tensors:
        lines += ["    saved.note_node(node_id)", "    try:"]
        lines += [f"        r{i} = node.{raw}" for i, (_, raw, _) in enumerate(node_class.saved_tensors)]
        freed = ", ".join(f"{name!r}: {{'kind': 'freed'}}" for name, _, _ in node_class.saved_tensors)
        lines += [
            "    except RuntimeError:  # a custom Function's (a compiled region's) saved tensors, freed by backward",
            f"        tensors = {{{freed}}}",
            "    else:",
            "        describe = saved.describe",
        ]
        for i, (_, _, attribute) in enumerate(node_class.saved_tensors):
            lines += [
                f"        t{i} = describe(r{i})",
                f"        if t{i} is None:",
                f"            t{i} = saved.describe_missing(node, r{i}, {attribute!r})",
            ]
        described = ", ".join(f"{name!r}: t{i}" for i, (name, _, _) in enumerate(node_class.saved_tensors))
        lines.append(f"        tensors = {{{described}}}")
    namespace: dict[str, Any] = {"plain_metadata": plain_metadata}
    if node_class.saved_values:
        code, names = values_code(node_class)
        lines.append(code.rstrip("\n"))
        namespace.update(names)
    lines += [
        "    metadata = node.metadata",
        "    return {",
        '        "id": node_id,',
        '        "kind": "op",',
        f'        "op": {node_class.op!r},',
        f'        "forward_op": {node_class.forward_op!r},',
        '        "name": None,',
        '        "tensor": None,',
        '        "base": None,',
        f'        "saved_tensors": {"tensors" if node_class.saved_tensors else "{}"},',
        f'        "saved_values": {"values" if node_class.saved_values else "{}"},',
        '        "metadata": plain_metadata(metadata) if metadata else {},',
        '        "sequence_nr": node._sequence_nr(),',
        "    }",
    ]
    exec(compile("\n".join(lines) + "\n", f"<record of {node_class.op}>", "exec"), namespace)
    return namespace["write"]
