"""Requests from the page to the kernel: validated, answered, never trusted.

The page asks for another slice of a tensor's preview (the answer carries the preview's bytes
as a binary buffer), for the full snapshot of a tensor in the graph: a leaf, the root, or a
tensor an op saved for backward, for units of a repeat the graph's first payload elided, or for
the whole text of a node's name or op that it got shortened. Every message gets a reply (an error reply when it is
malformed, too large, or asks for what is no longer there), and nothing in a message is
evaluated.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from torchinspect.graph.long_texts import FULL_TEXT_CHARACTERS
from torchinspect.graph.node_tensors import NodeTensorError, node_tensor
from torchinspect.graph.wire import GraphPartError, WalkCache, graph_part
from torchinspect.protocol import (
    FULL_TEXT_REQUEST,
    GRAPH_PART_REQUEST,
    NODE_TENSOR_REQUEST,
    PREVIEW_REQUEST,
    Buffers,
    RequestError,
    check_request,
    error_reply,
)
from torchinspect.tensor.long_shapes import sent_snapshot
from torchinspect.tensor.metadata import readable_grad
from torchinspect.tensor.preview import preview
from torchinspect.tensor.snapshot import jsonable, snapshot
from torchinspect.tensor.values import NoValues

KINDS = (PREVIEW_REQUEST, NODE_TENSOR_REQUEST, GRAPH_PART_REQUEST, FULL_TEXT_REQUEST)
_TARGETS = ("values", "grad")
_TEXT_FIELDS = ("name", "op", "forward_op")
_NODE_ID = re.compile(r"[tn][0-9]{1,9}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")
_LABEL = re.compile(r"[^\x00-\x1f]{1,200}")


@dataclass(frozen=True)
class PreviewRequest:
    id: int
    target: str
    axes: list[int] | None
    index: list[int | None] | None


@dataclass(frozen=True)
class NodeTensorRequest:
    id: int
    node: str
    op: str | None
    saved: str | None
    name: str | None


@dataclass(frozen=True)
class GraphPartRequest:
    id: int
    repeat: str
    count: int
    stretch: list[int]
    units: list[int]
    edges: int


@dataclass(frozen=True)
class FullTextRequest:
    id: int
    node: str
    field: str


def answer(
    message: object,
    tensor: weakref.ref[torch.Tensor],
    *,
    label_field: str = "name",
    params: Callable[[], Any] | None = None,
    walked: WalkCache | None = None,
) -> tuple[dict[str, Any], Buffers]:
    """The reply to one message from the page, and its binary buffers; never raises a RequestError.

    ``label_field`` is the field of a node-tensor request that names the graph's tensor as
    the page shows it: ``name`` from the widget; the sidebar sends ``label``, since its
    ``name`` names the inspected tensor. ``params`` gives what named the graph's leaves when it
    was sent (see ``graph.wire.weak_params``), so that a part of it names them alike. ``walked``
    keeps the view's snapshot parts are cut from, and how it was cut, between parts (the
    inspector's own ``graph.wire.WalkCache``; by default each part walks afresh).
    """
    try:
        request = parse_request(message, label_field=label_field)
        if isinstance(request, NodeTensorRequest):
            return _node_tensor_reply(request, tensor()), []
        if isinstance(request, GraphPartRequest):
            return _graph_part_reply(request, tensor(), None if params is None else params(), walked or WalkCache()), []
        if isinstance(request, FullTextRequest):
            return _full_text_reply(request, tensor(), None if params is None else params(), walked or WalkCache()), []
        reply, data = _preview_reply(request, tensor())
    except RequestError as error:
        return error_reply(message, str(error)), []
    return reply, [data]


def parse_request(
    message: object, *, label_field: str = "name"
) -> PreviewRequest | NodeTensorRequest | GraphPartRequest | FullTextRequest:
    """The request in ``message``, or a RequestError that says what is wrong with it."""
    kind, request_id, message = check_request(message, KINDS)
    if kind == FULL_TEXT_REQUEST:
        if message.get("field") not in _TEXT_FIELDS:
            raise RequestError(f"torchinspect: field must be one of {_TEXT_FIELDS}, got {message.get('field')!r:.80}")
        node = _matching(message.get("node"), _NODE_ID, "node", "a graph node id such as 'n3'")
        return FullTextRequest(id=request_id, node=node, field=message["field"])
    if kind == GRAPH_PART_REQUEST:
        return GraphPartRequest(
            id=request_id,
            repeat=_matching(message.get("repeat"), _NODE_ID, "repeat", "the id of a repeat's first node such as 'n3'"),
            count=_count(message.get("count")),
            stretch=_pair(message.get("stretch"), "stretch"),
            units=_pair(message.get("units"), "units"),
            edges=_edges_from(message.get("edges")),
        )
    if kind == NODE_TENSOR_REQUEST:
        return NodeTensorRequest(
            id=request_id,
            node=_matching(message.get("node"), _NODE_ID, "node", "a graph node id such as 'n3'"),
            op=_optional(message.get("op"), _NAME, "op", "an autograd node's class name"),
            saved=_optional(message.get("saved"), _NAME, "saved", "the name of a saved tensor such as 'self'"),
            name=_optional(message.get(label_field), _LABEL, label_field, "the tensor's name as the page shows it"),
        )
    if message.get("target") not in _TARGETS:
        raise RequestError(f"torchinspect: target must be one of {_TARGETS}, got {message.get('target')!r}")
    return PreviewRequest(
        id=request_id,
        target=message["target"],
        axes=_int_list(message.get("axes"), "axes", allow_none=False),
        index=_int_list(message.get("index"), "index", allow_none=True),
    )


def _preview_reply(request: PreviewRequest, tensor: torch.Tensor | None) -> tuple[dict[str, Any], bytes]:
    if tensor is None:
        raise RequestError("torchinspect: the tensor is gone (deleted in the kernel); inspect it again")
    if request.target == "grad":
        tensor = readable_grad(tensor)
        if tensor is None:
            raise RequestError("torchinspect: the tensor has no grad now")
    try:
        with torch.no_grad():
            result = preview(tensor.detach(), axes=request.axes, index=request.index)
    except ValueError as error:
        raise RequestError(str(error)) from error
    except NoValues as error:
        raise RequestError(f"torchinspect: no heatmap to show: {error}") from error
    data = result.pop("data")
    return {"kind": PREVIEW_REQUEST, "id": request.id, "target": request.target, "preview": result}, data


def _node_tensor_reply(request: NodeTensorRequest, root: torch.Tensor | None) -> dict[str, Any]:
    if root is None:
        raise RequestError("torchinspect: the tensor is gone (deleted in the kernel); inspect it again")
    try:
        tensor = node_tensor(root, request.node, request.op, request.saved)
    except NodeTensorError as error:
        raise RequestError(str(error)) from error
    name = request.name if request.saved is None else f"{request.op}.{request.saved}"
    return {
        "kind": NODE_TENSOR_REQUEST,
        "id": request.id,
        "node": request.node,
        "saved": request.saved,
        "snapshot": jsonable(sent_snapshot(snapshot(tensor, name=name))),
    }


def _graph_part_reply(
    request: GraphPartRequest,
    root: torch.Tensor | None,
    params: Any,
    walked: WalkCache,
) -> dict[str, Any]:
    """The units asked for, from the graph walked again: node ids are walk positions, so they are the page's."""
    if root is None:
        raise RequestError("torchinspect: the tensor is gone (deleted in the kernel), and its graph with it")
    if root.grad_fn is None:
        raise RequestError("torchinspect: the tensor has no graph now; refresh the inspector")
    try:
        graph = walked.graph_for(root, params)
        asked = request.repeat, request.count, request.stretch, request.units
        part = graph_part(graph, walked.cuts, *asked, edges_from=request.edges, gradients=walked.gradients)
    except GraphPartError as error:
        raise RequestError(str(error)) from error
    return {"kind": GRAPH_PART_REQUEST, "id": request.id, "part": part}


def _full_text_reply(
    request: FullTextRequest, root: torch.Tensor | None, params: Any, walked: WalkCache
) -> dict[str, Any]:
    """The node's text whole (its first FULL_TEXT_CHARACTERS), from the graph walked again: node ids are walk positions."""
    if root is None:
        raise RequestError("torchinspect: the tensor is gone (deleted in the kernel), and its graph with it")
    if root.grad_fn is None:
        raise RequestError("torchinspect: the tensor has no graph now; refresh the inspector")
    graph = walked.graph_for(root, params)
    text = next((node[request.field] for node in graph["nodes"] if node["id"] == request.node), None)
    if not isinstance(text, str):
        raise RequestError(
            f"torchinspect: the graph has no {request.field} at {request.node} now; refresh the inspector"
        )
    return {
        "kind": FULL_TEXT_REQUEST,
        "id": request.id,
        "node": request.node,
        "field": request.field,
        "text": text[:FULL_TEXT_CHARACTERS],
        "length": len(text),
    }


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**9:
        return value
    raise RequestError(f"torchinspect: count must be a positive integer, got {value!r:.80}")


def _edges_from(value: object) -> int:
    """How many of a part's edges the page has (none unless it says: a page may send null for none)."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
        return value
    raise RequestError(f"torchinspect: edges must be the number of the part's edges already sent, got {value!r:.80}")


def _pair(value: object, field: str) -> list[int]:
    if not isinstance(value, list) or len(value) != 2 or not all(_is_int(item) and 0 <= item < 10**9 for item in value):
        raise RequestError(f"torchinspect: {field} must be two unit numbers [first, end], got {value!r:.80}")
    return value


def _matching(value: object, pattern: re.Pattern[str], field: str, expected: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise RequestError(f"torchinspect: {field} must be {expected}, got {value!r:.80}")
    return value


def _optional(value: object, pattern: re.Pattern[str], field: str, expected: str) -> str | None:
    return None if value is None else _matching(value, pattern, field, expected)


def _int_list(value: object, field: str, *, allow_none: bool) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 64:
        raise RequestError(f"torchinspect: {field} must be a list of at most 64 integers")
    for item in value:
        if not (_is_int(item) or (allow_none and item is None)):
            raise RequestError(
                f"torchinspect: {field} must hold integers{' or null' if allow_none else ''}, got {item!r}"
            )
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
