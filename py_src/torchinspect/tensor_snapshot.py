"""Tensor → tensor snapshot: the plain data every view and host shows.

The snapshot is the public contract ``torchinspect.tensor/1``, defined by the
JSON Schema in ``schema/tensor-1.json`` and described in docs/schema.md.
Building one never changes the tensor, its grad or its graph, and keeps no
reference to any of them.
"""

from __future__ import annotations

from typing import Any

import torch

from torchinspect.text import summary_line

SCHEMA = "torchinspect.tensor/1"
MIME_TYPE = "application/vnd.torchinspect.tensor+json"


def snapshot(t: torch.Tensor, *, name: str | None = None) -> dict[str, Any]:
    """Describe a tensor as plain data.

    Reads the tensor's metadata and autograd state; it runs no operation on its
    values, so it costs the same for every size and works on the ``meta``
    device. Only leaves and tensors that retain their grad have their ``.grad``
    read, so inspecting an intermediate raises no warning.

    Args:
        t: any ``torch.Tensor`` (parameters and subclasses included).
        name: what to call the tensor in views, such as the variable's name.

    Returns:
        A dict that ``json.dumps`` accepts, with ``"schema"`` set to
        ``"torchinspect.tensor/1"``.

    Example:
        >>> import torch, torchinspect
        >>> x = torch.ones(2, 3, requires_grad=True)
        >>> snap = torchinspect.snapshot(x, name="x")
        >>> snap["shape"], snap["dtype"], snap["is_leaf"], snap["grad"]
        ([2, 3], 'float32', True, None)
        >>> snap["summary"]
        'x: tensor[2, 3] float32 cpu requires_grad leaf grad=None'
    """
    return metadata_snapshot(require_tensor(t, "snapshot"), name=name)


def metadata_snapshot(tensor: torch.Tensor, *, name: str | None = None) -> dict[str, Any]:
    """The snapshot without the passes over the values: what a graph's many leaves carry."""
    if name is not None and not isinstance(name, str):
        raise TypeError(
            f"torchinspect: name must be a string such as 'x', got {type(name).__name__}."
        )
    grad = _readable_grad(tensor)
    grad_fn = tensor.grad_fn
    fields: dict[str, Any] = {
        "schema": SCHEMA,
        "name": name,
        "shape": _shape(tensor),
        "dtype": str(tensor.dtype).removeprefix("torch."),
        "device": str(tensor.device),
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
        "grad": None if grad is None else snapshot(grad),
    }
    return {**fields, "summary": summary_line(fields)}


def require_tensor(obj: object, function: str) -> torch.Tensor:
    """Return ``obj`` if it is a tensor, else raise a TypeError that says what to pass."""
    if isinstance(obj, torch.Tensor):
        return obj
    hint = ""
    if type(obj).__module__ == "numpy":
        hint = f" Convert a NumPy array first: {function}(torch.from_numpy(a))."
    elif isinstance(obj, (int, float, complex, bool, list, tuple)):
        hint = f" Make it a tensor first: {function}(torch.tensor(value))."
    raise TypeError(
        f"torchinspect.{function}() takes a torch.Tensor (an nn.Parameter or any tensor "
        f"subclass works too), got {type(obj).__module__}.{type(obj).__qualname__}.{hint}"
    )


def _readable_grad(tensor: torch.Tensor) -> torch.Tensor | None:
    # Reading .grad of a non-leaf that does not retain it only warns and returns None.
    if tensor.is_leaf or tensor.retains_grad:
        return tensor.grad
    return None


def _shape(tensor: torch.Tensor) -> list[int | None]:
    """The size of each dimension; None where a nested tensor's dimension is ragged."""
    if not tensor.is_nested:
        return list(tensor.shape)
    return [_fixed_size(tensor, dim) for dim in range(tensor.dim())]


def _fixed_size(tensor: torch.Tensor, dim: int) -> int | None:
    try:
        size = tensor.size(dim)
    except RuntimeError:
        return None
    return size if isinstance(size, int) else None
