"""Text forms of a tensor snapshot: the one-line summary and the static HTML view.

These are what a saved notebook, an HTML export or a terminal shows when the
live widget is not there, so they say the same things the widget's card says.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def summary_line(fields: Mapping[str, Any]) -> str:
    """The one-line summary of a snapshot's fields (see ``summary``)."""
    parts = [f"tensor{format_shape(fields['shape'])}", fields["dtype"], fields["device"]]
    if fields.get("sharding"):
        parts.append(fields["sharding"]["text"])
    if fields.get("statistics") is not None:
        parts.extend(_statistics_words(fields["statistics"]))
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


def _statistics_words(stats: Mapping[str, Any]) -> list[str]:
    """``∈[min, max] μ=mean σ=std``, then the counts that signal trouble."""
    words = []
    if stats["count"] == 0:
        words.append("empty")
    elif stats["min"] is not None:
        prefix = "|·|" if stats["of"] == "magnitude" else ""
        low, high = format_number(stats["min"]), format_number(stats["max"])
        if stats["count"] == 1:
            words.append(f"{prefix}={low}")
        elif stats["min"] == stats["max"]:
            words.append(f"{prefix}all={low}")
        else:
            words.extend([f"{prefix}∈[{low}, {high}]", f"μ={format_number(stats['mean'])}"])
            if stats["std"] is not None:
                words.append(f"σ={format_number(stats['std'])}")
    for key, label in (("nan", "NaN"), ("posinf", "+Inf"), ("neginf", "-Inf")):
        if stats[key]:
            words.append(f"{label}×{stats[key]}")
    return words


def format_number(value: float | int) -> str:
    """Four significant digits, as a person compares numbers; integers whole."""
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def format_shape(shape: list[int | None] | dict[str, Any]) -> str:
    """``[2, 3]``; a ragged dimension of a nested tensor shows as ``*``; a shape cut for the page
    (``long_shapes.sent_dims``) as ``[1, 1, …, 1, 3] (60,001 dims)``."""
    if isinstance(shape, dict):
        return f"[{_sizes(shape['head'])}, …, {_sizes(shape['tail'])}] ({shape['length']:,} dims)"
    return f"[{_sizes(shape)}]"


def _sizes(shape: list[int | None]) -> str:
    return ", ".join("*" if size is None else str(size) for size in shape)


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
