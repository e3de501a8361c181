"""Text forms of a tensor snapshot: the one-line summary and the static HTML view.

These are what a saved notebook, an HTML export or a terminal shows when the
live widget is not there, so they say the same things the widget's card says.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def summary(t: Any) -> str:
    """Describe a tensor in one line of text.

    The line names the shape, dtype and device, then the autograd state in
    torch's own words: ``requires_grad``, ``leaf``, ``grad_fn=…`` and ``grad=…``.

    Args:
        t: any ``torch.Tensor``.

    Returns:
        One line, with no trailing newline.

    Example:
        >>> import torch, torchinspect
        >>> x = torch.ones(3, requires_grad=True)
        >>> torchinspect.summary(x)
        'tensor[3] float32 cpu requires_grad leaf grad=None'
        >>> torchinspect.summary(x * 2)
        'tensor[3] float32 cpu requires_grad grad_fn=MulBackward0'
        >>> torchinspect.summary(torch.zeros(2, 2, dtype=torch.int64))
        'tensor[2, 2] int64 cpu'
    """
    from torchinspect.tensor_snapshot import require_tensor, snapshot

    return snapshot(require_tensor(t, "summary"))["summary"]


def summary_line(fields: Mapping[str, Any]) -> str:
    """The one-line summary of a snapshot's fields (see ``summary``)."""
    parts = [f"tensor{format_shape(fields['shape'])}", fields["dtype"], fields["device"]]
    if fields["requires_grad"]:
        parts.append("requires_grad")
        if fields["is_leaf"]:
            parts.append("leaf")
    if fields["grad_fn"] is not None:
        parts.append(f"grad_fn={fields['grad_fn']}")
    grad = fields["grad"]
    if grad is not None:
        parts.append(f"grad=tensor{format_shape(grad['shape'])}")
    elif fields["requires_grad"] and fields["is_leaf"]:
        parts.append("grad=None")
    line = " ".join(parts)
    return line if fields["name"] is None else f"{fields['name']}: {line}"


def format_shape(shape: list[int | None]) -> str:
    """``[2, 3]``; a ragged dimension of a nested tensor shows as ``*``."""
    return "[" + ", ".join("*" if size is None else str(size) for size in shape) + "]"


def static_html(snap: Mapping[str, Any]) -> str:
    """A self-contained HTML view of a snapshot, for outputs read without the widget."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(label)}</th>"
        f"<td><code>{html.escape(value)}</code></td></tr>"
        for label, value in _static_rows(snap)
    )
    return (
        "<div class='torchinspect-static'>"
        f"<pre style='margin:0 0 .4em'>{html.escape(snap['summary'])}</pre>"
        f"<table>{rows}</table></div>"
    )


def _static_rows(snap: Mapping[str, Any]) -> list[tuple[str, str]]:
    grad = snap["grad"]
    return [
        ("shape", format_shape(snap["shape"])),
        ("dtype", snap["dtype"]),
        ("device", snap["device"]),
        ("requires_grad", str(snap["requires_grad"])),
        ("grad_fn", str(snap["grad_fn"])),
        ("is_leaf", str(snap["is_leaf"])),
        ("grad", "None" if grad is None else grad["summary"]),
    ]
