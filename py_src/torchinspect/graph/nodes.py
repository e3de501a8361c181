"""What every autograd node of one class shares, read once per class: its op and what it saves.

Saved tensors are exposed as ``_saved_<name>`` attributes, each with a ``_raw_saved_<name>``
that reads it without unpacking it (so without running a ``saved_tensors_hooks`` unpack
hook); plain saved values (``dim``, sizes) have no raw form. A custom Function's node saves
what its ``ctx.save_for_backward`` got. The scan of a class's attributes is slow, so it runs
once per class, here, for the graph snapshot and the gradient recorder alike.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import torch
from torch.autograd.graph import Node


class NodeClass(NamedTuple):
    """What every node of one autograd class shares."""

    op: str
    forward_op: str | None
    is_leaf: bool
    saved_tensors: tuple[tuple[str, str, str], ...]
    """(name, attribute of its raw SavedTensor, attribute that unpacks it)"""
    saved_tensor_names: tuple[str, ...]
    """The names of ``saved_tensors``, in order."""
    saved_values: tuple[tuple[str, str], ...]
    """(name, attribute)"""
    saved_value_names: tuple[str, ...]
    """The names of ``saved_values``, in order."""
    read_raw_saved: Callable[[Node], tuple[Any, ...]]
    """Reads every raw attribute of ``saved_tensors`` of a node, in one call."""
    read_saved_values: Callable[[Node], tuple[Any, ...]]
    """Reads every attribute of ``saved_values`` of a node, in one call."""


class _ClassTable(dict[type, NodeClass]):
    """Keyed by class: torch's node classes live as long as torch, and a custom Function's few."""

    def __missing__(self, cls: type) -> NodeClass:
        known = self[cls] = _read_node_class(cls)
        return known


_CLASSES = _ClassTable()
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")
_WORD_START = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Z][a-z])")


def node_class(cls: type) -> NodeClass:
    """What the nodes of class ``cls`` share, read on the first call for that class.

    Example:
        >>> import torch
        >>> A = torch.randn(3, 3)
        >>> node = (A @ torch.ones(3, requires_grad=True)).grad_fn
        >>> known = node_class(type(node))
        >>> known.op, known.forward_op, [name for name, _, _ in known.saved_tensors]
        ('MvBackward0', 'mv', ['self', 'vec'])
    """
    return _CLASSES[cls]


def node_classes(nodes: Iterable[Node]) -> list[NodeClass]:
    """``node_class`` of each node's class, in one pass that runs in C (graphs have thousands)."""
    return list(map(_CLASSES.__getitem__, map(type, nodes)))


def forward_op_name(op: str) -> str | None:
    """The forward op a backward class stands for: ``MmBackward0`` → ``mm``.

    ``NativeLayerNormBackward0`` → ``native_layer_norm``; a custom Function's
    ``MyFnBackward`` → ``my_fn``; None for ``AccumulateGrad``, which stands for a leaf.

    Example:
        >>> forward_op_name("MaxPool2DWithIndicesBackward0"), forward_op_name("CopySlices")
        ('max_pool2d_with_indices', 'copy_slices')
    """
    if op == "AccumulateGrad":
        return None
    return _WORD_START.sub("_", _BACKWARD_SUFFIX.sub("", op)).lower() or op


def _read_node_class(cls: type) -> NodeClass:
    op = cls.__name__
    saved_tensors: tuple[tuple[str, str, str], ...]
    saved_values: tuple[tuple[str, str], ...]
    if issubclass(cls, torch.autograd.function.BackwardCFunction):
        # A custom Function's ctx: what it passed to save_for_backward.
        saved_tensors = (("tensors", "_raw_saved_tensors", "saved_tensors"),)
        saved_values = ()
    else:
        # dir() is slow, which is why this runs once per class.
        attributes = set(dir(cls))
        saved = sorted(name for name in attributes if name.startswith("_saved_"))
        saved_tensors = tuple((name[7:], f"_raw{name}", name) for name in saved if f"_raw{name}" in attributes)
        saved_values = tuple((name[7:], name) for name in saved if f"_raw{name}" not in attributes)
    return NodeClass(
        op,
        forward_op_name(op),
        op == "AccumulateGrad",
        saved_tensors,
        tuple(name for name, _, _ in saved_tensors),
        saved_values,
        tuple(name for name, _ in saved_values),
        _reader(raw for _, raw, _ in saved_tensors),
        _reader(attribute for _, attribute in saved_values),
    )


def _reader(attributes: Iterable[str]) -> Callable[[Any], tuple[Any, ...]]:
    """One C-level call that reads all the attributes, as a tuple (graphs have thousands of nodes)."""
    names = tuple(attributes)
    if len(names) == 1:
        read_one = operator.attrgetter(names[0])
        return lambda node: (read_one(node),)
    return operator.attrgetter(*names) if names else lambda _node: ()
