"""What a tensor's header says, read without its values: the rules every reader shares.

Snapshots, graphs, the sidebar's listing and recorded gradients all name dtypes and devices,
read shapes and sizes that some tensors refuse (nested, sparse, subclasses), and read a
``.grad`` only where torch allows it without a warning. Each rule is written here, once.
This module imports no torch: the sidebar's request parsing uses it before the user has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# What tensors of some layouts, dtypes or subclasses raise when asked for what they lack.
REFUSALS = (RuntimeError, TypeError, NotImplementedError)


class _Names(dict[Any, str]):
    """A name worked out once per dtype, layout or class: snapshots of many leaves ask often."""

    def __init__(self, name_of: Callable[[Any], str]) -> None:
        super().__init__()
        self._name_of = name_of

    def __missing__(self, key: Any) -> str:
        name = self[key] = self._name_of(key)
        return name


DTYPE_NAMES = _Names(lambda dtype: str(dtype).removeprefix("torch."))
"""``torch.float32`` → ``"float32"``."""
LAYOUT_NAMES = _Names(lambda layout: str(layout).removeprefix("torch."))
"""``torch.sparse_coo`` → ``"sparse_coo"``."""
TYPE_NAMES = _Names(lambda cls: f"{cls.__module__}.{cls.__qualname__}")
"""``torch.nn.Parameter`` → ``"torch.nn.parameter.Parameter"``."""

_DEVICE_NAMES: dict[Any, str] = {}


def device_name(device: torch.device) -> str:
    """``"cpu"``, ``"cuda:0"``: made once per device, as graphs and listings name thousands."""
    name = _DEVICE_NAMES.get(device)
    if name is None:
        name = _DEVICE_NAMES[device] = str(device)
    return name


def grad_is_readable(tensor: torch.Tensor) -> bool:
    """Whether ``tensor.grad`` may be read: a leaf's, or one retained by ``retain_grad()``.

    Reading the ``.grad`` of any other tensor only warns and returns None.
    """
    return tensor.is_leaf or tensor.retains_grad


def readable_grad(tensor: torch.Tensor) -> torch.Tensor | None:
    """``tensor.grad`` where it may be read (see ``grad_is_readable``), else None."""
    return tensor.grad if grad_is_readable(tensor) else None


def shape_of(tensor: torch.Tensor) -> list[int | None]:
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


def shape_and_nbytes(tensor: torch.Tensor) -> tuple[list[int | None], int | None]:
    """The shape (as ``shape_of``) and the bytes of the elements; None for what cannot be read.

    The common tensor answers at once; a nested or subclassed one by the careful path.
    """
    if not tensor.is_nested:  # a jagged tensor's shape holds a symbolic size, which is not JSON
        try:
            return list(tensor.shape), tensor.nbytes
        except REFUSALS:
            pass
    return shape_of(tensor), attempt(lambda: tensor.nbytes)


def attempt(read: Callable[[], Any]) -> Any:
    """What ``read()`` returns, or None where the tensor refuses it (as inference tensors
    refuse a version counter)."""
    try:
        return read()
    except REFUSALS:
        return None
