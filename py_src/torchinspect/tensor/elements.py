"""What a learner reads beside the statistics: a small tensor's own numbers, the memory a view
really holds, and a complex tensor's real and imaginary parts.

Every number here is exact: floats as JSON numbers (a float's shortest repr reads back the
same double), integers beyond 2**53 as decimal strings, NaN and ±Inf as ``"nan"``, ``"inf"``
and ``"-inf"`` (JSON has no such numbers), complex values as ``[real, imaginary]``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from torchinspect.protocol import json_float, json_int
from torchinspect.tensor.statistics import statistics
from torchinspect.tensor.values import has_arithmetic, values_of

SMALL = 50
"""Tensors of at most this many elements carry their values, as ``print`` shows them."""

MAX_COUNTED = 1 << 22
"""Views whose elements overlap in memory have their distinct elements counted up to this size."""


def small_values(tensor: torch.Tensor) -> dict[str, Any] | None:
    """``{"of", "shape", "data"}``: every element, row-major, for a dense tensor of 1 to SMALL elements.

    Example:
        >>> small_values(torch.tensor([[1.5, float("nan")], [0.1, -2.0]]))["data"]
        [1.5, 'nan', 0.10000000149011612, -2.0]
        >>> small_values(torch.tensor([2**62, -1]))["data"]
        ['4611686018427387904', -1]
        >>> small_values(torch.tensor([1j, -1j]))["data"]
        [[0.0, 1.0], [-0.0, -1.0]]
    """
    if (
        tensor.layout != torch.strided
        or tensor.is_nested
        or tensor.device.type == "meta"
        or not has_arithmetic(tensor.dtype)
        or not 0 < tensor.numel() <= SMALL
    ):
        return None
    meaning = "values"
    if tensor.is_quantized:
        tensor, meaning = tensor.dequantize(), "dequantized values"
    flat = tensor.detach().reshape(-1).cpu()
    try:
        items = flat.tolist()
    except (RuntimeError, TypeError):  # a dtype without a Python scalar (complex32, float8 on old torch)
        items = flat.to(torch.complex64 if flat.is_complex() else torch.float64).tolist()
    return {"of": meaning, "shape": list(tensor.shape), "data": [_exact(item) for item in items]}


def _exact(value: bool | int | float | complex) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return json_int(value)
    if isinstance(value, complex):
        return [json_float(value.real), json_float(value.imag)]
    return json_float(value)


def stored_nbytes(tensor: torch.Tensor) -> int | None:
    """Bytes of the distinct elements a dense view reaches: less than ``nbytes`` when expanded
    (a stride of 0) or overlapping (``unfold``, ``as_strided``); None where not dense or too
    many overlapping elements to count.

    Example:
        >>> row = torch.arange(4, dtype=torch.float32)
        >>> stored_nbytes(row.expand(3, 4)), row.expand(3, 4).nbytes
        (16, 48)
        >>> stored_nbytes(torch.arange(6.0).unfold(0, 3, 1))  # 4 windows of 3 over 6 values
        24
    """
    if tensor.layout != torch.strided or tensor.is_nested:
        return None
    try:
        sizes, strides = list(tensor.shape), list(tensor.stride())
    except (RuntimeError, TypeError, NotImplementedError):
        return None
    elements = _distinct_elements(sizes, strides)
    return None if elements is None else elements * tensor.element_size()


def _distinct_elements(sizes: list[int], strides: list[int]) -> int | None:
    if 0 in sizes:
        return 0
    moving = sorted((abs(stride), size) for size, stride in zip(sizes, strides) if size > 1 and stride != 0)
    span, count = 1, 1
    for stride, size in moving:
        if stride < span:  # this dimension steps inside what the others cover: elements overlap
            return _count_overlapping(moving)
        span += stride * (size - 1)
        count *= size
    return count


def _count_overlapping(moving: list[tuple[int, int]]) -> int | None:
    if math.prod(size for _, size in moving) > MAX_COUNTED:
        return None
    offsets = torch.zeros(1, dtype=torch.int64)
    for stride, size in moving:
        offsets = (offsets[:, None] + torch.arange(size, dtype=torch.int64) * stride).reshape(-1)
    return int(torch.unique(offsets).numel())


def complex_parts(tensor: torch.Tensor) -> dict[str, Any] | None:
    """Statistics of a dense complex tensor's real and imaginary parts (its ``statistics`` are of
    the magnitude); None for any other tensor.

    Example:
        >>> parts = complex_parts(torch.tensor([1j, -1j]))
        >>> abs(parts["real"]["max"]), parts["imaginary"]["min"], parts["imaginary"]["max"]
        (0.0, -1.0, 1.0)
    """
    if not tensor.is_complex() or tensor.layout != torch.strided or tensor.is_nested or tensor.device.type == "meta":
        return None
    try:
        real, imaginary = tensor.real, tensor.imag
    except (RuntimeError, TypeError, NotImplementedError):
        return None
    return {
        "real": statistics(values_of(real), real.dtype),
        "imaginary": statistics(values_of(imaginary), imaginary.dtype),
    }
