"""What every autograd node of one class shares, read once per class: its op and what it saves.

Saved tensors are exposed as ``_saved_<name>`` attributes, each with a ``_raw_saved_<name>``
that reads it without unpacking it (so without running a ``saved_tensors_hooks`` unpack
hook); plain saved values (``dim``, sizes) have no raw form. A custom Function's node saves
what its ``ctx.save_for_backward`` got. The scan of a class's attributes is slow, so it runs
once per class, here, for the graph snapshot and the gradient recorder alike.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import torch


class NodeClass(NamedTuple):
    """What every node of one autograd class shares."""

    op: str
    forward_op: str | None
    is_leaf: bool
    saved_tensors: tuple[tuple[str, str, str], ...]
    """(name, attribute of its raw SavedTensor, attribute that unpacks it)"""
    saved_values: tuple[tuple[str, str], ...]
    """(name, attribute)"""


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
        saved_values,
    )
