"""What each torchinspect output of an executed notebook becomes in a published page.

An inspector's output carries the live widget's MIME type and, beside it, the snapshot, the graph
and the gradients under torchinspect's own, as they were when the output was displayed. The
notebook's widget state, when it was saved (nbclient and ``nbconvert --execute`` save it), holds
each widget as the notebook last showed it: a graph coloured by the backward() of a later cell,
a card held as of its own cell. So the state is read first, and the MIME bundle where the state
has no such widget. Each output becomes a piece of HTML: the data as JSON, which the page's
script draws with the views, and the static table for readers without scripts.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from nbformat import NotebookNode

TENSOR_MIME = "application/vnd.torchinspect.tensor+json"
GRAPH_MIME = "application/vnd.torchinspect.graph+json"
GRADIENTS_MIME = "application/vnd.torchinspect.gradients+json"
COMPARISON_MIME = "application/vnd.torchinspect.comparison+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MARKER = '<div class="torchinspect-published">'
"""How each published output's HTML begins."""
DATA_CLASS = "torchinspect-data"
"""The class of each view's ``<script type="application/json">``; the page's script draws one view per element."""


def publish_outputs(notebook: NotebookNode) -> int:
    """Turn every torchinspect output of ``notebook`` into its page view, in place; return how many.

    A page that loads nothing cannot run a widget manager: every other widget output keeps its
    other forms (HTML, text), and the notebook's widget state goes.
    """
    states = _widget_states(notebook)
    published = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            view = _view_data(data, states)
            if view is not None:
                output["data"] = {
                    "text/html": _view_html(view, data.get("text/html", "")),
                    "text/plain": data.get("text/plain", ""),
                }
                published += 1
            elif len(data) > 1:
                data.pop(WIDGET_VIEW_MIME, None)
    notebook.metadata.pop("widgets", None)
    return published


def _widget_states(notebook: NotebookNode) -> dict[str, Any]:
    """The saved widget models by id."""
    saved = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {})
    return saved.get("state", {}) if isinstance(saved, dict) else {}


def _view_data(data: dict[str, Any], states: dict[str, Any]) -> dict[str, Any] | None:
    """What the page draws for one output, or None for an output that is not torchinspect's."""
    if TENSOR_MIME not in data and COMPARISON_MIME not in data:
        return None
    model = states.get(data.get(WIDGET_VIEW_MIME, {}).get("model_id"))
    state = _with_buffers(model) if isinstance(model, dict) else {}
    if COMPARISON_MIME in data:
        return {"kind": "comparison", "comparison": state.get("comparison") or data[COMPARISON_MIME]}
    if state.get("snapshot"):
        return {
            "kind": "inspector",
            "snapshot": state["snapshot"],
            "graph": state.get("graph") or {},
            "gradients": state.get("gradients") or {},
        }
    return {
        "kind": "inspector",
        "snapshot": data[TENSOR_MIME],
        "graph": data.get(GRAPH_MIME, {}),
        "gradients": data.get(GRADIENTS_MIME, {}),
    }


def _with_buffers(model: dict[str, Any]) -> dict[str, Any]:
    """A saved widget's state with its binary buffers put back where they were, as ``{"base64": …}``.

    That is how a snapshot's JSON (``torchinspect.to_json``) writes bytes, which the views read.
    """
    state = copy.deepcopy(model.get("state", {}))
    for buffer in model.get("buffers", []):
        *parents, last = buffer["path"]
        holder = state
        for key in parents:
            holder = holder[key]
        holder[last] = {"base64": buffer["data"]}
    return state


def _view_html(view: dict[str, Any], static_html: str) -> str:
    # Every "<" of the JSON is written \u003c, which JSON reads back as the same character, so
    # a name such as "</script>" stays data.
    text = json.dumps(view, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")
    fallback = f"<noscript>{static_html}</noscript>" if static_html else ""
    return f'{VIEW_MARKER}{fallback}<script type="application/json" class="{DATA_CLASS}">{text}</script></div>'
