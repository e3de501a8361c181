"""One self-contained HTML file of an inspector, to share or to put in course material.

The file holds the views' script and stylesheet, the snapshot, the backward graph and the
recorded gradients, all inline: it opens from disk, offline, in any browser, and asks the
network for nothing (its Content-Security-Policy forbids it). What came from the kernel is
embedded as JSON data that the views read and draw as text, never as HTML.
"""

from __future__ import annotations

import html
import os
import pathlib
from typing import Any

import torch

from torchinspect.assets import inline_asset
from torchinspect.tensor.snapshot import snapshot, to_json
from torchinspect.tensor.text import static_html

_DATA_ID = "torchinspect-data"
# No request of any kind; inline script and style only; images only from the page itself
# (the graph's PNG export draws through a data: image).
_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:"


def export_html(obj: Any, path: str | os.PathLike[str], *, name: str | None = None, params: Any = None) -> pathlib.Path:
    """Write an inspector as one HTML file that works offline, with nothing else beside it.

    The page shows what ``inspect`` shows, from the moment of the export: the summary,
    statistics, histogram and heatmaps (hover for values), the metadata card, and the
    backward graph (pan, zoom, search, node details) with the gradients of the last
    ``backward()`` through it. It has no kernel behind it, so N-D slicing and a graph
    node's values are not offered.

    Args:
        obj: a tensor, an ``Inspector`` (from ``inspect``), a ``Comparison`` (from
            ``compare``) or a ``Watch`` (from ``watch``: its steps, flags and the heatmaps of
            the module it shows).
        path: the file to write (``.html``); its folder must exist. It is overwritten.
        name: for a tensor, what to call it, as ``inspect(t, name=...)`` takes it.
        params: for a tensor, names for its graph's leaves, as ``inspect`` takes them.

    Returns:
        The path written.

    Example:
        >>> import tempfile, pathlib, torch, torchinspect
        >>> x = torch.arange(3.0, requires_grad=True)
        >>> page = torchinspect.export_html((x * 2).sum(), pathlib.Path(tempfile.mkdtemp()) / "y.html")
        >>> text = page.read_text()
        >>> text.startswith("<!doctype html>"), "torchinspect.graph/1" in text
        (True, True)
    """
    data = _page_data(obj, name=name, params=params)
    target = pathlib.Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"torchinspect: cannot write {target}: the folder {target.parent} does not exist; create it first."
        )
    target.write_text(_page(data), encoding="utf-8")
    return target


def _page_data(obj: Any, *, name: str | None, params: Any) -> dict[str, Any]:
    if isinstance(obj, torch.Tensor):
        from torchinspect.graph.snapshot import graph_for_view

        graph = {} if obj.grad_fn is None else graph_for_view(obj, params=params)
        return {"kind": "inspector", "snapshot": snapshot(obj, name=name), "graph": graph, "gradients": {}}
    if name is not None or params is not None:
        raise TypeError(
            "torchinspect.export_html: name= and params= are for a tensor; an inspector keeps the "
            "ones it was made with (inspect(t, name=..., params=...))."
        )
    from torchinspect.widget import Comparison, Inspector

    if isinstance(obj, Inspector):
        return {"kind": "inspector", "snapshot": obj.snapshot, "graph": obj.graph, "gradients": obj.gradients}
    if isinstance(obj, Comparison):
        return {"kind": "comparison", "comparison": obj.comparison}
    from torchinspect.training.widget import Watch

    if isinstance(obj, Watch):
        return {"kind": "watch", "watch": obj.watch}
    raise TypeError(
        "torchinspect.export_html() takes a torch.Tensor, an Inspector (from inspect()), a "
        f"Comparison (from compare()) or a Watch (from watch()), got {type(obj).__module__}.{type(obj).__qualname__}."
    )


def _page(data: dict[str, Any]) -> str:
    script, style = inline_asset("page.js", "script"), inline_asset("widget.css", "style")
    title, fallback = _words(data)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{style}</style>\n"
        "<style>body{margin:16px;font-family:system-ui,sans-serif}"
        ".torchinspect+.torchinspect{margin-top:.6rem}"
        "@media (prefers-color-scheme:dark){body{background:#010409;color:#e6edf3}}</style>\n"
        '</head>\n<body>\n<main id="torchinspect-page"></main>\n'
        f"<noscript>{fallback}</noscript>\n"
        f'<script type="application/json" id="{_DATA_ID}">{_script_safe_json(data)}</script>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def _words(data: dict[str, Any]) -> tuple[str, str]:
    """The page's title, and what it shows where scripts are off (the notebook's HTML view)."""
    if data["kind"] == "watch":
        line = data["watch"]["summary"]
        return f"torchinspect.watch: {line}", f"<p>{html.escape(line)}</p>"
    if data["kind"] == "comparison":
        verdict = data["comparison"]["verdict"]
        line = "close" if verdict["passed"] else f"not close: {(verdict['message'] or '').splitlines()[0]}"
        return f"torchinspect: {line}", f"<p>{html.escape(line)}</p>"
    return f"torchinspect: {data['snapshot']['summary']}", static_html(data["snapshot"])


def _script_safe_json(data: dict[str, Any]) -> str:
    """JSON (previews' bytes as base64) that no string in it can end the script element.

    Every ``<`` is written ``\\u003c``, which JSON reads back as the same character, so
    ``</script>`` or ``<!--`` in a tensor's name stays data.
    """
    return to_json(data).replace("<", "\\u003c")
