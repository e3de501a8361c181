"""The wire between the page and the kernel, written once: kinds, ids, errors and buffers.

Two hosts speak it. The widget answers its page through anywidget's custom messages
(``requests``); the JupyterLab sidebar answers through a comm (``lab``). A message is a JSON
object with a ``kind`` and an integer ``id``; every message gets one reply with the same id,
its kind the request's, or ``torchinspect:error`` with a message that says why. Nothing in a
message is evaluated. Numbers travel as binary buffers beside the JSON.

This module imports no torch: a kernel that never imported it pays nothing for the sidebar.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, NamedTuple, TypeGuard

PREVIEW_REQUEST = "torchinspect:preview"
"""Another slice of a tensor's preview; its bytes come back as a binary buffer."""
NODE_TENSOR_REQUEST = "torchinspect:node-tensor"
"""The snapshot of a tensor in the graph: a leaf, the root, or a tensor an op saved."""
GRAPH_PART_REQUEST = "torchinspect:graph-part"
"""Units of a repeat that the graph's first payload elided: their nodes and edges (graph/wire.py)."""
FULL_TEXT_REQUEST = "torchinspect:full-text"
"""The whole text of a graph node's name or op, which the page got shortened (graph/long_texts.py)."""
REFRESH_REQUEST = "torchinspect:refresh"
"""The widget's page asks its inspector for a new snapshot now."""
LIST_REQUEST = "torchinspect:list"
"""The sidebar asks for the rows of every tensor in the namespace."""
SNAPSHOT_REQUEST = "torchinspect:snapshot"
"""The sidebar asks for a named tensor's snapshot and backward graph."""
VIEW_EVENT = "torchinspect:view"
"""The widget's page says a view of its inspector opened (``open: true``) or went; an event,
not a request: it has no id and gets no reply."""
ERROR_REPLY = "torchinspect:error"
"""The reply to a request the kernel refuses or cannot answer."""

COMM_TARGET = "torchinspect:tensors"
"""The comm target the sidebar's page opens its comm on."""
HELLO = "torchinspect:hello"
"""The kernel's greeting on a new comm, with the protocol version."""
UPDATE = "torchinspect:update"
"""What changed in the namespace after a cell, pushed to each open comm."""
PROTOCOL = 1
"""The version of this protocol, sent in the greeting."""

MAX_REQUEST_CHARS = 4096

Buffers = list[bytes]


class RequestError(ValueError):
    """A request the kernel refuses; the message is shown to the user."""


SAFE_INTEGER = 2**53
"""A JSON number is a double: integers from here on (either sign) lose digits in it."""


def is_request_id(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an id a request may carry: an integer JavaScript holds exactly."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < SAFE_INTEGER


def json_int(value: int) -> int | str:
    """An integer as JSON carries it exactly: a number within ±(2**53 - 1), else its digits.

    Example:
        >>> json_int(-1), json_int(2**63 - 1)
        (-1, '9223372036854775807')
    """
    return value if -SAFE_INTEGER < value < SAFE_INTEGER else str(value)


def json_float(value: float) -> float | str:
    """A float as JSON carries it: finite as a number, else the text "inf", "-inf" or "nan".

    Example:
        >>> json_float(0.5), json_float(float("-inf")), json_float(float("nan"))
        (0.5, '-inf', 'nan')
    """
    return value if math.isfinite(value) else str(value)


class Request(NamedTuple):
    """A message checked as a request: its kind, its id, and the whole message."""

    kind: str
    id: int
    message: dict[str, Any]


def check_request(message: object, kinds: tuple[str, ...]) -> Request:
    """``message`` as a request of one of ``kinds``, or a RequestError that says what is wrong.

    Checks what every request shares: a plain JSON object of bounded size, a known kind and
    an integer id. What each kind carries besides is its receiver's to check.

    Example:
        >>> check_request({"kind": LIST_REQUEST, "id": 3}, (LIST_REQUEST,))
        Request(kind='torchinspect:list', id=3, message={'kind': 'torchinspect:list', 'id': 3})
        >>> check_request({"kind": "eval", "id": 3}, (LIST_REQUEST,))
        Traceback (most recent call last):
        ...
        torchinspect.protocol.RequestError: torchinspect: unknown request kind 'eval'; expected one of ('torchinspect:list',)
    """
    if not isinstance(message, dict):
        raise RequestError(f"torchinspect: a request is an object, got {type(message).__name__}")
    try:
        text = json.dumps(message, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        # A lone surrogate ("\ud800") is valid JSON but no reply quoting it could be sent.
        raise RequestError(
            "torchinspect: a request's text must be valid Unicode (it holds a lone surrogate)"
        ) from error
    except (TypeError, ValueError, RecursionError) as error:
        raise RequestError("torchinspect: a request must be plain JSON") from error
    size = len(text)
    if size > MAX_REQUEST_CHARS:
        raise RequestError(f"torchinspect: a request is at most {MAX_REQUEST_CHARS} characters, got {size}")
    kind = message.get("kind")
    if kind not in kinds:
        raise RequestError(f"torchinspect: unknown request kind {kind!r}; expected one of {kinds}")
    request_id = message.get("id")
    if not is_request_id(request_id):
        raise RequestError("torchinspect: a request needs an integer id")
    return Request(kind, request_id, message)


def reply_id(message: object) -> int | None:
    """The id to answer ``message`` with: its own if it is a valid id, else None."""
    request_id = message.get("id") if isinstance(message, dict) else None
    return request_id if is_request_id(request_id) else None


def error_reply(message: object, text: str) -> dict[str, Any]:
    """The error reply to ``message``, which says ``text`` to the user.

    Example:
        >>> error_reply({"kind": LIST_REQUEST, "id": 4}, "torchinspect: no")
        {'kind': 'torchinspect:error', 'id': 4, 'message': 'torchinspect: no'}
    """
    return {"kind": ERROR_REPLY, "id": reply_id(message), "message": text}


def answer_once(
    message: object, answer: Callable[[], tuple[dict[str, Any], Buffers]]
) -> tuple[dict[str, Any], Buffers]:
    """The one reply to ``message``, and its buffers, whatever ``answer`` does.

    A refused request is answered with the refusal, an interrupt (Ctrl-C while answering)
    and any other failure with what happened: the page never waits for a reply that
    will not come, and the kernel goes on.
    """
    try:
        return answer()
    except RequestError as error:
        return error_reply(message, str(error)), []
    except KeyboardInterrupt:
        return error_reply(message, "torchinspect: interrupted before the answer was ready; ask again"), []
    except Exception as error:  # noqa: BLE001 - every message gets a reply
        return error_reply(message, failure("answer", error)), []


def failure(action: str, error: Exception) -> str:
    """What the user reads when ``action`` failed for a reason no check foresaw."""
    return f"torchinspect: could not {action}: {type(error).__name__}: {str(error)[:300]}"


def split_buffers(content: dict[str, Any]) -> tuple[dict[str, Any], Buffers]:
    """Take the bytes out of ``content`` as binary buffers; ``buffer_paths`` says where each was.

    The page puts each buffer back at its path, as ipywidgets does with a widget's state.

    Example:
        >>> split_buffers({"a": {"data": b"xy"}, "b": [1, b"z"]})
        ({'a': {'data': None}, 'b': [1, None], 'buffer_paths': [['a', 'data'], ['b', 1]]}, [b'xy', b'z'])
    """
    paths: list[list[str | int]] = []
    buffers: Buffers = []

    def strip(value: Any, path: list[str | int]) -> Any:
        if isinstance(value, (bytes, bytearray, memoryview)):
            paths.append(path)
            buffers.append(bytes(value))
            return None
        if isinstance(value, dict):
            return {key: strip(item, [*path, key]) for key, item in value.items()}
        if isinstance(value, list):
            return [strip(item, [*path, index]) for index, item in enumerate(value)]
        return value

    stripped = strip(content, [])
    stripped["buffer_paths"] = paths
    return stripped, buffers
