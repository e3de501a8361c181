"""Requests from the page to the kernel: validated, answered, never trusted.

The page asks for another slice of a tensor's preview; the answer carries the preview's bytes
as a binary buffer. Every message gets a reply (an error reply when it is malformed, too large,
or asks for what is no longer there), and nothing in a message is evaluated.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any

import torch

from torchinspect.preview import preview

PREVIEW_REQUEST = "torchinspect:preview"
REFRESH_REQUEST = "torchinspect:refresh"
ERROR_REPLY = "torchinspect:error"
MAX_REQUEST_CHARS = 4096
_TARGETS = ("values", "grad")


class RequestError(ValueError):
    """A request the kernel refuses; the message is shown to the user."""


@dataclass(frozen=True)
class PreviewRequest:
    id: int
    target: str
    axes: list[int] | None
    index: list[int | None] | None


def answer(message: object, tensor: weakref.ref[torch.Tensor]) -> tuple[dict[str, Any], list[bytes]]:
    """The reply to one message from the page, and its binary buffers."""
    request_id = message.get("id") if isinstance(message, dict) else None
    request_id = request_id if is_request_id(request_id) else None
    try:
        request = parse_request(message)
        reply, data = _preview_reply(request, tensor())
    except RequestError as error:
        return {"kind": ERROR_REPLY, "id": request_id, "message": str(error)}, []
    return reply, [data]


def parse_request(message: object) -> PreviewRequest:
    if not isinstance(message, dict):
        raise RequestError(f"torchinspect: a request is an object, got {type(message).__name__}")
    try:
        size = len(json.dumps(message))
    except (TypeError, ValueError) as error:
        raise RequestError("torchinspect: a request must be plain JSON") from error
    if size > MAX_REQUEST_CHARS:
        raise RequestError(f"torchinspect: a request is at most {MAX_REQUEST_CHARS} characters, got {size}")
    if message.get("kind") != PREVIEW_REQUEST:
        raise RequestError(f"torchinspect: unknown request kind {message.get('kind')!r}; expected {PREVIEW_REQUEST!r}")
    if not is_request_id(message.get("id")):
        raise RequestError("torchinspect: a request needs an integer id")
    if message.get("target") not in _TARGETS:
        raise RequestError(f"torchinspect: target must be one of {_TARGETS}, got {message.get('target')!r}")
    return PreviewRequest(
        id=message["id"],
        target=message["target"],
        axes=_int_list(message.get("axes"), "axes", allow_none=False),
        index=_int_list(message.get("index"), "index", allow_none=True),
    )


def _preview_reply(request: PreviewRequest, tensor: torch.Tensor | None) -> tuple[dict[str, Any], bytes]:
    if tensor is None:
        raise RequestError("torchinspect: the tensor is gone (deleted in the kernel); inspect it again")
    if request.target == "grad":
        tensor = tensor.grad if tensor.is_leaf or tensor.retains_grad else None
        if tensor is None:
            raise RequestError("torchinspect: the tensor has no grad now")
    try:
        with torch.no_grad():
            result = preview(tensor.detach(), axes=request.axes, index=request.index)
    except ValueError as error:
        raise RequestError(str(error)) from error
    data = result.pop("data")
    return {"kind": PREVIEW_REQUEST, "id": request.id, "target": request.target, "preview": result}, data


def _int_list(value: object, field: str, *, allow_none: bool) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 64:
        raise RequestError(f"torchinspect: {field} must be a list of at most 64 integers")
    for item in value:
        if not (_is_int(item) or (allow_none and item is None)):
            raise RequestError(f"torchinspect: {field} must hold integers{' or null' if allow_none else ''}, got {item!r}")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_request_id(value: object) -> bool:
    return _is_int(value) and 0 <= value < 2**53
