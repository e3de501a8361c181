"""The widget of a ``find_nan`` report: the sentence, the op's tensors, the graph with the origin.

It only wires the report (``torchinspect.nan/1``) to the page; ``js_src/widget/nan_report.ts``
draws it. A saved notebook keeps the sentence and the user's line as text and HTML.
"""

from __future__ import annotations

import html
import json
from typing import Any

import traitlets

from torchinspect.bundle import KernelOwned
from torchinspect.graph.long_texts import short_strings
from torchinspect.graph.snapshot import SAVED_GRAPH_CHARACTERS
from torchinspect.tensor.snapshot import to_json

MIME_TYPE = "application/vnd.torchinspect.nan+json"
"""The MIME type under which a saved output carries the report, drawn again without the kernel."""


class NanReportWidget(KernelOwned):
    """Shows a ``find_nan`` report; it holds the report's plain data and nothing of the program."""

    nan_report = traitlets.Dict().tag(sync=True)
    """The report, ``torchinspect.nan/1``: the trait that tells the bundle to draw a report."""

    def __init__(self, report: dict[str, Any], **kwargs: Any) -> None:
        # Module paths and names past 200 characters shortened, as the graph's are: the state is saved
        # in the notebook. ``NanReport.data`` keeps them whole.
        super().__init__(nan_report=short_strings(report), **kwargs)

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        return {
            "text/plain": self.nan_report["sentence"],
            "text/html": static_html(self.nan_report),
            MIME_TYPE: saved_report(self.nan_report),
        }, {}


def saved_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report as a saved output carries it: JSON, its previews' bytes as base64, its graph
    left out past ``SAVED_GRAPH_CHARACTERS``, as an inspector's saved graph is."""
    text = to_json(report)
    if len(text) > SAVED_GRAPH_CHARACTERS and report.get("graph"):
        text = to_json({**report, "graph": None, "origin_node": None})
    return json.loads(text)


def static_html(report: dict[str, Any]) -> str:
    """The report as HTML that needs no script: the sentence and the user's source line."""
    sentence = "".join(
        f"<code>{html.escape(text)}</code>" if is_code else html.escape(text)
        for text, is_code in report["sentence_parts"]
    )
    frame = report.get("frame")
    source = ""
    if frame:
        source = f"<pre>{html.escape(frame['file'])}:{frame['line']}\n    {html.escape(frame['source'])}</pre>"
    return f'<div class="torchinspect torchinspect-nan-static"><p>{sentence}</p>{source}</div>'
