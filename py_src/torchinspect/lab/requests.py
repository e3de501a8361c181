"""Requests of the Tensors sidebar to the kernel: validated, with names resolved, never evaluated.

A request is a JSON object with a ``kind`` and an integer ``id`` (see ``protocol``). A name is a
variable of the namespace (``x``), a parameter of a module held in one (``model.0.weight``), either followed by
``.grad``. It is split on dots and each part looked up: a key of the namespace, a key of the
module's ``named_parameters()``, a tensor's ``.grad``. Nothing in a request is run as code.

Parsing imports no torch, so that a kernel that never imported it does not for the sidebar:
``resolve`` runs only once the user's code has.
"""

from __future__ import annotations

import builtins
import keyword
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from torchinspect.protocol import (
    GRAPH_PART_REQUEST,
    LIST_REQUEST,
    NODE_TENSOR_REQUEST,
    PREVIEW_REQUEST,
    SNAPSHOT_REQUEST,
    Request,
    RequestError,
    check_request,
)
from torchinspect.tensor.metadata import grad_is_readable

if TYPE_CHECKING:
    import torch

KINDS = (LIST_REQUEST, SNAPSHOT_REQUEST, PREVIEW_REQUEST, NODE_TENSOR_REQUEST, GRAPH_PART_REQUEST)
NAMED_KINDS = (SNAPSHOT_REQUEST, PREVIEW_REQUEST, NODE_TENSOR_REQUEST, GRAPH_PART_REQUEST)
"""The kinds that name a tensor of the namespace; ``requests.answer`` answers the last three:
another slice of the named tensor, the snapshot of a tensor in its graph, or units of its graph
that the first reply elided."""
MAX_NAME_LENGTH = 256


def parse_sidebar_request(message: object) -> Request:
    """The request in ``message``, its name checked, or a RequestError that says what is wrong."""
    request = check_request(message, KINDS)
    if request.kind in NAMED_KINDS:
        check_name(request.message.get("name"))
    return request


def check_name(name: object) -> None:
    """Refuse anything but a dotted name: ``x``, ``model.0.weight``, ``x.grad``."""
    if not isinstance(name, str) or not name:
        raise RequestError("torchinspect: a request for a tensor names it, such as 'x' or 'model.0.weight'")
    if len(name) > MAX_NAME_LENGTH:
        raise RequestError(f"torchinspect: a name is at most {MAX_NAME_LENGTH} characters, got {len(name)}")
    head, *rest = name.split(".")
    if not head.isidentifier() or not all(part.isidentifier() or (part.isascii() and part.isdigit()) for part in rest):
        raise RequestError(
            f"torchinspect: {name!r} is not a name the sidebar can look up: use a variable (x), "
            "a module's parameter (model.0.weight) or either followed by .grad"
        )


def resolve(namespace: Mapping[str, Any], name: str) -> torch.Tensor:
    """The tensor a checked name stands for, found by lookups alone."""
    import torch

    head, *rest = name.split(".")
    if head not in namespace:
        raise RequestError(f"torchinspect: {_missing(head)}. {ACCEPTED}")
    value = namespace[head]
    # type(), not isinstance(): a proxy's __class__ may run code, a lookup must not.
    if issubclass(type(value), torch.Tensor):
        return _tensor_or_grad(value, head, rest)
    if issubclass(type(value), torch.nn.Module):
        return _parameter(value, head, rest)
    raise RequestError(f"torchinspect: {head} is {_what_it_is(value)}, not a tensor or an nn.Module. {ACCEPTED}")


ACCEPTED = (
    "The inspect command (Alt I) and the Tensors sidebar take a tensor (x), a module's parameter "
    "(model.0.weight), or either followed by .grad."
)
"""What the sidebar and the inspect command (Alt I) accept, said whenever a name is refused."""

_PLAIN_TYPES = {bool: "a bool", int: "an int", float: "a float", complex: "a complex number"}


def _missing(name: str) -> str:
    """Why ``name`` is not in the namespace: a keyword, a builtin, or a variable not yet defined."""
    if keyword.iskeyword(name):
        return f"{name} is a Python keyword, not a variable"
    if hasattr(builtins, name):
        what = _what_it_is(getattr(builtins, name))
        return f"{name} is {what if what.startswith('a built-in') else 'a built-in ' + what.split(' ', 1)[1]}, not a variable"
    return f"there is no variable {name!r} in the kernel; run the cell that defines it"


def _what_it_is(value: object) -> str:
    """What a value is, in words, read from its type alone (no code of the value runs)."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return f"{_PLAIN_TYPES[kind]} ({value!r})"
    if kind is types.BuiltinFunctionType:
        return "a built-in function"
    if kind in (types.FunctionType, types.MethodType):
        return "a function"
    if kind is types.ModuleType:
        return f"a module ({value.__name__})"  # type: ignore[attr-defined]
    if issubclass(kind, type):
        return f"a class ({value.__name__})"  # type: ignore[attr-defined]
    if kind.__module__ == "numpy" and kind.__name__ == "ndarray":
        return "a NumPy array (inspect torch.from_numpy of it)"
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def _tensor_or_grad(tensor: torch.Tensor, name: str, rest: list[str]) -> torch.Tensor:
    if not rest:
        return tensor
    if rest != ["grad"]:
        raise RequestError(f"torchinspect: {name} is a tensor; only {name}.grad can follow its name")
    if not grad_is_readable(tensor):
        raise RequestError(
            f"torchinspect: {name} is not a leaf, so it keeps no grad; call {name}.retain_grad() before backward()"
        )
    if tensor.grad is None:
        raise RequestError(f"torchinspect: {name}.grad is None: run backward() first")
    return tensor.grad


def _parameter(module: torch.nn.Module, name: str, rest: list[str]) -> torch.Tensor:
    parameters = dict(module.named_parameters())
    if not rest:
        example = f"{name}.{next(iter(parameters))}" if parameters else f"{name}.weight"
        raise RequestError(f"torchinspect: {name} is an nn.Module; name one of its parameters, such as {example}")
    path = ".".join(rest)
    if path in parameters:
        return parameters[path]
    if rest[-1:] == ["grad"] and ".".join(rest[:-1]) in parameters:
        return _tensor_or_grad(parameters[".".join(rest[:-1])], f"{name}.{'.'.join(rest[:-1])}", ["grad"])
    known = ", ".join(f"{name}.{path}" for path in list(parameters)[:5]) + (", …" if len(parameters) > 5 else "")
    raise RequestError(
        f"torchinspect: {name} ({type(module).__name__}) has no parameter {path!r}"
        + (f"; its parameters are {known}" if parameters else "; it has no parameters")
    )
