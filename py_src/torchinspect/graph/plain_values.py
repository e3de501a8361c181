"""Saved values and node metadata as plain, bounded JSON data, for the graph snapshot.

An autograd node's saved values (``dim``, sizes, ``alpha``) and its ``metadata`` become
JSON data here: an int as JSON carries it exactly, a float that is not finite as text, a
long list cut, anything else by its type's name. Sizes, strides, dims and flags are most
of them, so those are checked inline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.autograd.graph import Node

from torchinspect.graph.nodes import NodeClass
from torchinspect.protocol import SAFE_INTEGER, json_float, json_int

# What one node may carry; the list of nodes itself is always complete.
MAX_LIST_ITEMS = 16
MAX_TEXT_LENGTH = 200
MAX_METADATA_ENTRIES = 16

# What JSON takes as it is; anything else goes through _plain_value.
_JSON_AS_IS = frozenset({bool, type(None)})
_INT = frozenset({int})

# Tuples of ints already found to be JSON as they are (at most MAX_LIST_ITEMS, each within
# SAFE_INTEGER): sizes and strides repeat throughout a graph and from one graph to the next,
# and checking each value again costs more than the rest of its node. Only ints, no reference
# to anything of the user's; emptied when it reaches _INT_TUPLES_KEPT.
_INT_TUPLES: set[tuple[int, ...]] = set()
_INT_TUPLES_KEPT = 4096


IntLists = dict[tuple[int, ...], list[int]]
"""Lists of ints by their tuple, to share between the nodes of one graph (sizes repeat)."""


# One value's conversion, inlined in each class's reader: sizes, strides, dims, flags and scalars
# are most values. A tuple's types are checked before it is looked up, as a tuple of flags or
# floats can equal one of ints; a small negative int64 (a dim of -1) reads as unsigned (see
# _signed_int64). Anything else takes the careful path, _saved_value.
_READ_VALUE = """
        value = v{i}
        if type(value) is tuple and INT.issuperset(map(type, value)):
            p{i} = int_lists.get(value)
            if p{i} is None:
                p{i} = shared_or_plain(value, int_lists)
        elif type(value) is int:
            if -SAFE_INTEGER < value < SAFE_INTEGER:
                p{i} = value
            elif UNSIGNED_SMALL_NEGATIVE < value < 2**64:
                p{i} = value - 2**64
            else:
                p{i} = saved_value(value)
        elif type(value) is bool or value is None or type(value) is float and isfinite(value):
            p{i} = value
        else:
            p{i} = saved_value(value)"""


def values_code(node_class: NodeClass) -> tuple[str, dict[str, Any]]:
    """Statements that set ``values`` to the plain values a node of ``node_class`` saved for
    backward (``dim``, sizes), by name, as JSON data, in a function of ``node`` and ``int_lists``
    (indented by four spaces); and the names they use besides, for its globals.

    A value freed by backward reads ``{"freed": True}``. A list of ints is the one ``int_lists``
    holds for it, made the first time. The statements are written out for the class's attributes, as ``dataclasses`` writes an ``__init__``:
    a loop over the values in a generic function cost twice as much, and graphs have thousands
    of nodes. The attributes are torch's ``_saved_*`` names, found by ``dir()``: identifiers.
    """
    reads = "".join(f"        v{i} = node.{attribute}\n" for i, (_, attribute) in enumerate(node_class.saved_values))
    record = ", ".join(f"{name!r}: p{i}" for i, (name, _) in enumerate(node_class.saved_values))
    code = (
        "    try:\n"
        f"{reads}"
        "    except RuntimeError:  # one was freed by backward: read them one by one\n"
        "        values = freed_values(node, node_class, int_lists)\n"
        "    else:"
        + "".join(_READ_VALUE.format(i=i) for i in range(len(node_class.saved_values)))
        + f"\n        values = {{{record}}}\n"
    )
    namespace: dict[str, Any] = {
        "INT": _INT,
        "SAFE_INTEGER": SAFE_INTEGER,
        "UNSIGNED_SMALL_NEGATIVE": 2**64 - SAFE_INTEGER,
        "isfinite": math.isfinite,
        "shared_or_plain": _shared_or_plain,
        "saved_value": _saved_value,
        "freed_values": _freed_values,
        "node_class": node_class,
    }
    return code, namespace


def _shared_or_plain(value: tuple[Any, ...], int_lists: IntLists) -> Any:
    """A tuple of ints that ``int_lists`` lacks: its list, shared from now on where it is known JSON-safe."""
    if value in _INT_TUPLES:
        shared = int_lists[value] = list(value)
        return shared
    return _saved_value(value)


def _freed_values(node: Node, node_class: NodeClass, int_lists: IntLists) -> dict[str, Any]:
    """The values of a node that backward freed some of: read one by one, the careful way."""
    return {name: _saved_value(_read_or_freed(node, attribute)) for name, attribute in node_class.saved_values}


def _saved_value(value: Any) -> Any:
    """A saved value not known to be JSON as it is, as JSON data."""
    if value is _FREED:
        return {"freed": True}
    if type(value) is tuple and len(value) <= MAX_LIST_ITEMS and _INT.issuperset(map(type, value)):
        if not value or (-SAFE_INTEGER < min(value) and max(value) < SAFE_INTEGER):
            if len(_INT_TUPLES) >= _INT_TUPLES_KEPT:
                _INT_TUPLES.clear()
            _INT_TUPLES.add(value)
            return list(value)
        return [json_int(_signed_int64(item)) for item in value]
    return _plain_value(value, _signed_int64)


def _signed_int64(value: int) -> int:
    """A saved int64 as torch means it: its getters hand int64 values out as unsigned, so a
    ``dim`` of -1 reads 2**64 - 1 (any value from 2**63 up is a negative int64 read so)."""
    return value - 2**64 if 2**63 <= value < 2**64 else value


_FREED = object()


def _read_or_freed(node: Node, attribute: str) -> Any:
    try:
        return getattr(node, attribute)
    except RuntimeError:
        return _FREED


def _plain_value(value: Any, read_int: Callable[[int], int] = int) -> Any:
    """JSON data for a saved value or metadata; a list longer than MAX_LIST_ITEMS is cut, with
    its length. ``read_int`` says what a Python int means (``_signed_int64`` for saved values)."""
    if not isinstance(value, (list, tuple)):
        return _plain_scalar(value, read_int)
    items = [_plain_scalar(item, read_int) for item in value[:MAX_LIST_ITEMS]]
    return items if len(value) <= MAX_LIST_ITEMS else {"items": items, "length": len(value)}


def _plain_scalar(value: Any, read_int: Callable[[int], int] = int) -> Any:
    if type(value) in _JSON_AS_IS:
        return value
    if type(value) is int:
        return json_int(read_int(value))
    if isinstance(value, float):
        # JSON has no Infinity or NaN: they travel as text.
        return json_float(value)
    if isinstance(value, str):
        return value[:MAX_TEXT_LENGTH]
    if isinstance(
        value,
        (
            int,
            torch.dtype,
            torch.device,
            torch.layout,
            torch.memory_format,
            torch.SymInt,
            torch.SymFloat,
            torch.SymBool,
            complex,
        ),
    ):
        return str(value).removeprefix("torch.")
    return f"<{type(value).__qualname__}>"


def plain_metadata(metadata: dict[Any, Any]) -> dict[str, Any]:
    """The entries of ``node.metadata`` that are text keys with JSON-able values, bounded."""
    plain: dict[str, Any] = {}
    for key, value in metadata.items():
        if len(plain) == MAX_METADATA_ENTRIES:
            break
        if isinstance(key, str) and _is_plain(value):
            plain[key[:MAX_TEXT_LENGTH]] = _plain_value(value)
    return plain


def _is_plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_plain_scalar(item) for item in value[:MAX_LIST_ITEMS])
    return _is_plain_scalar(value)


def _is_plain_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))
