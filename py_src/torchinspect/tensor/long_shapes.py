"""Shapes and strides as the page gets them: a list of at most SENT_DIMS dimensions, else cut.

torch lets a tensor have tens of thousands of dimensions (of size 1, or with one of size 0): a
tensor of 60,001 dimensions made its snapshot 901 KB on the wire (shape, strides, the preview's
index, the summary) and its 3-node graph 541 KB, past the bound a saved notebook keeps. So past
SENT_DIMS a shape (or strides) reaches the page as a *cut list*, ``{"length": 60001, "head":
[its first 8], "tail": [its last 8]}``, which the page reads as ``[1, 1, …, 1] (60,001 dims)``.
``torchinspect.snapshot()`` and ``autograd_graph()`` keep every dimension.
"""

from __future__ import annotations

from typing import Any

from torchinspect.tensor.text import summary_line

SENT_DIMS = 1_024
"""The most dimensions a shape or strides list the page gets has whole (a few KB of JSON)."""
KEPT_DIMS = 8
"""How many of its first dimensions, and of its last, a cut list keeps."""


def sent_dims(sizes: list[Any] | None) -> list[Any] | dict[str, Any] | None:
    """``sizes`` itself when it has at most SENT_DIMS items, else its cut list.

    Example:
        >>> sent_dims([2, 3])
        [2, 3]
        >>> cut = sent_dims([1] * 60_000 + [3])
        >>> cut["length"], cut["head"][:3], cut["tail"][-2:], len(cut["head"]), len(cut["tail"])
        (60001, [1, 1, 1], [1, 3], 8, 8)
    """
    if sizes is None or len(sizes) <= SENT_DIMS:
        return sizes
    return {"length": len(sizes), "head": list(sizes[:KEPT_DIMS]), "tail": list(sizes[-KEPT_DIMS:])}


def is_long(sizes: object) -> bool:
    """Whether ``sizes`` is a list that the page gets cut (``sent_dims``)."""
    return isinstance(sizes, list) and len(sizes) > SENT_DIMS


def sent_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """A tensor snapshot as the page gets it: ``snap`` itself unless its shape is cut.

    Where the shape has more than SENT_DIMS dimensions, its shape, strides, base's and grad's
    shapes are cut lists; the preview and the values, which the page indexes one dimension at a
    time, are left out with the reason in ``not_computed``; the summary names the cut shape.

    Example:
        >>> import torch
        >>> from torchinspect.tensor.snapshot import snapshot
        >>> sent = sent_snapshot(snapshot(torch.zeros([1] * 1_100 + [3]), name="x"))
        >>> sent["shape"]["length"], sent["preview"], sent["summary"]
        (1101, None, 'x: tensor[1, 1, 1, 1, 1, 1, 1, 1, …, 1, 1, 1, 1, 1, 1, 1, 3] (1,101 dims) float32 cpu all=0')
    """
    base, grad = snap["base"], snap["grad"]
    sent_grad = None if grad is None else sent_snapshot(grad)
    long_base = base is not None and is_long(base["shape"])  # t.squeeze() of a long tensor is short
    if not is_long(snap["shape"]) and not long_base and sent_grad is grad:
        return snap
    sent = {**snap, "grad": sent_grad}
    if long_base:
        sent["base"] = {**base, "shape": sent_dims(base["shape"])}
    if is_long(snap["shape"]):
        sent.update(
            shape=sent_dims(snap["shape"]),
            strides=sent_dims(snap["strides"]),
            preview=None,
            values=None,
            not_computed={
                **snap["not_computed"],
                "preview": f"a tensor of {len(snap['shape']):,} dimensions is not sliced on the page: "
                "inspect t.squeeze() or t.flatten() to see its values",
            },
        )
    sent["summary"] = summary_line(sent)
    return sent
