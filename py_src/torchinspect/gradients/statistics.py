"""One gradient → its ``Grad`` entry of ``torchinspect.gradients/1``: norm, extremes, NaN/Inf.

Runs inside backward, once per gradient, so it is built for speed. A gradient of at most
``MAX_VALUES`` elements is read once and measured in Python. A larger dense float gradient
takes two reductions over its memory, on its own device (``aminmax`` and the sum of squares),
and one read of three numbers; an
expanded one (``sum`` and ``mean`` give one) is measured by its distinct values, never made
whole. NaN and Inf propagate through both reductions, so finite results prove there is
nothing to count; only then, or for other layouts and dtypes, the careful path counts NaN
and ±Inf and measures the finite values in bounded chunks, scaled so that no sum overflows.
Nothing keeps the gradient: an entry holds plain Python numbers.

As in the tensor snapshot, ``norm``, ``min``, ``max`` and ``rms`` (the root mean square,
free from the norm: a mean magnitude would cost a third reduction) are of the finite
values (null when there is none), the counts say what else there is, and JSON, which has
no NaN or Infinity, carries such values in ``values`` as the text "nan", "inf", "-inf".
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch

from torchinspect.protocol import json_float
from torchinspect.tensor.metadata import DTYPE_NAMES, shape_of
from torchinspect.tensor.values import (
    CHUNK,
    NoValues,
    as_real,
    chunks,
    element_chunks,
    values_of,
)

MAX_VALUES = 64
"""A gradient of at most this many elements carries its values."""

# Dtypes the fast path reads as they are, with the dtype their sums are taken in.
_SUM_DTYPE = {
    torch.float32: torch.float32,
    torch.float64: torch.float64,
    torch.float16: torch.float32,
    torch.bfloat16: torch.float32,
}


def gradient_entry(gradient: torch.Tensor) -> dict[str, Any]:
    """The Grad entry of one gradient; call it under ``torch.no_grad()``.

    Example:
        >>> import torch
        >>> entry = gradient_entry(torch.tensor([3.0, -4.0, float("nan")]))
        >>> entry["norm"], entry["min"], entry["max"], entry["rms"], entry["nan"], entry["values"]
        (5.0, -4.0, 3.0, 3.5355339059327373, 1, [3.0, -4.0, 'nan'])
    """
    numel = gradient.numel()
    if numel <= MAX_VALUES:
        numbers = _numbers(gradient)
        if numbers is not None:
            return _small_entry(gradient, numbers)
    sum_dtype = _SUM_DTYPE.get(gradient.dtype)
    if sum_dtype is None or gradient.layout is not torch.strided or gradient.is_nested or gradient.is_meta:
        return _careful_entry(gradient, numel)
    measures = _fast_measures(gradient, sum_dtype)
    if measures is None:
        return _careful_entry(gradient, numel)
    return _entry(gradient, list(gradient.shape), "values", measures, (0, 0, 0), None)


def _fast_measures(gradient: torch.Tensor, sum_dtype: torch.dtype) -> tuple[float, ...] | None:
    """Norm, min, max and root mean square in two reductions; None if a value is not finite."""
    if gradient.is_contiguous() and gradient.numel() <= CHUNK:  # most gradients: no loop
        measured = _reduce(gradient.view(-1), sum_dtype)
        if measured is None:
            return None
        low, high, square_sum = measured
        return math.sqrt(square_sum), low, high, math.sqrt(square_sum / gradient.numel())
    compact, repeats = _unexpanded(gradient)
    low, high, square_sum = math.inf, -math.inf, 0.0
    for part in _flat_parts(compact):
        measured = _reduce(part, sum_dtype)
        if measured is None:
            return None
        low, high = min(low, measured[0]), max(high, measured[1])
        square_sum += measured[2]
    return math.sqrt(square_sum * repeats), low, high, math.sqrt(square_sum / compact.numel())


def _reduce(flat: torch.Tensor, sum_dtype: torch.dtype) -> list[float] | None:
    """min, max and the sum of squares of a 1-D run; None if one is not finite."""
    low, high = torch.aminmax(flat)
    if sum_dtype is flat.dtype:
        square_sum = torch.dot(flat, flat)
    else:  # half precision: squares summed in float32
        square_sum = torch.linalg.vector_norm(flat, dtype=sum_dtype).square()
    measured = _floats((low, high, square_sum), flat.device)
    return measured if all(map(math.isfinite, measured)) else None


def _unexpanded(gradient: torch.Tensor) -> tuple[torch.Tensor, int]:
    """An expanded gradient (``sum`` and ``mean`` give one) as its distinct values, and how
    many times each repeats: measured without ever making the full tensor."""
    repeats = 1
    if gradient.is_contiguous():
        return gradient, repeats
    for dim, (size, stride) in enumerate(zip(gradient.shape, gradient.stride())):
        if stride == 0 and size > 1:
            gradient = gradient.narrow(dim, 0, 1)
            repeats *= size
    return gradient, repeats


def _flat_parts(tensor: torch.Tensor) -> Iterator[torch.Tensor]:
    """The values as 1-D contiguous runs of at most CHUNK elements.

    A dense tensor is read as its memory, in memory order (see ``element_chunks``); any
    other is copied a chunk at a time.
    """
    for chunk in element_chunks(tensor):
        yield chunk if chunk.is_contiguous() else chunk.contiguous().view(-1)


def _small_entry(gradient: torch.Tensor, numbers: list[float]) -> dict[str, Any]:
    """A small gradient's entry, from its values read once: exact in Python's floats."""
    finite = [number for number in numbers if -math.inf < number < math.inf]
    counts, values = (0, 0, 0), list[float | str](numbers)
    if len(finite) < len(numbers):
        counts = (sum(map(math.isnan, numbers)), numbers.count(math.inf), numbers.count(-math.inf))
        values = json_floats(numbers)
    measures: tuple[float | None, ...] = (None, None, None, None)
    if finite:
        norm = math.hypot(*finite)
        measures = (norm, min(finite), max(finite), norm / math.sqrt(len(finite)))
    of = "magnitude" if gradient.is_complex() else "values"
    return _entry(gradient, list(gradient.shape), of, measures, counts, values)


def same_values(entry: dict[str, Any], gradient: torch.Tensor) -> dict[str, Any]:
    """The entry of ``gradient`` from the entry of a tensor with the same values in another order."""
    values = entry["values"]
    if values is not None:
        values = json_floats(_numbers(gradient) or [])
    return {**entry, "shape": list(gradient.shape), "values": values}


def _floats(numbers: tuple[torch.Tensor, ...], device: torch.device) -> list[float]:
    """Python floats of 0-d tensors: one read each on the CPU, one transfer elsewhere."""
    if device.type == "cpu":
        return [float(number) for number in numbers]
    return torch.stack([number.float() for number in numbers]).tolist()


def _entry(
    gradient: torch.Tensor,
    shape: list[int | None],
    of: str,
    measures: tuple[float | None, ...],
    counts: tuple[int, int, int],
    values: list[float | str] | None,
) -> dict[str, Any]:
    norm, low, high, rms = measures
    nan, posinf, neginf = counts
    return {
        "shape": shape,
        "dtype": DTYPE_NAMES[gradient.dtype],
        "numel": gradient.numel(),
        "of": of,
        "norm": norm,
        "min": low,
        "max": high,
        "rms": rms,
        "nan": nan,
        "posinf": posinf,
        "neginf": neginf,
        "values": values,
    }


def _careful_entry(gradient: torch.Tensor, numel: int) -> dict[str, Any]:
    """Counts of NaN and ±Inf, and the finite values measured without overflow."""
    try:
        values = values_of(gradient)
    except NoValues:
        return _entry(gradient, shape_of(gradient), "values", (None, None, None, None), (0, 0, 0), None)
    finite = _FiniteMeasures()
    nan = posinf = neginf = 0
    for chunk in chunks(values):
        real = as_real(chunk).reshape(-1)
        nan += int(torch.isnan(real).sum())
        posinf += int((real == math.inf).sum())
        neginf += int((real == -math.inf).sum())
        finite.add(real[torch.isfinite(real)])
    finite.add_zeros(values.implicit_zeros)
    return _entry(gradient, shape_of(gradient), values.meaning, finite.result(), (nan, posinf, neginf), None)


class _FiniteMeasures:
    """Norm, extremes and root mean square of finite values, summed chunk by chunk."""

    def __init__(self) -> None:
        self.count = 0
        self.norms: list[float] = []
        self.low = math.inf
        self.high = -math.inf

    def add(self, finite: torch.Tensor) -> None:
        if finite.numel() == 0:
            return
        low, high = (float(value) for value in torch.aminmax(finite))
        scale = max(abs(low), abs(high))
        self.count += finite.numel()
        self.low, self.high = min(self.low, low), max(self.high, high)
        if scale > 0:
            # Scaled by the largest magnitude, no square or sum can overflow.
            scaled = finite / scale
            self.norms.append(float(torch.linalg.vector_norm(scaled)) * scale)

    def add_zeros(self, count: int) -> None:
        if count:
            self.count += count
            self.low, self.high = min(self.low, 0.0), max(self.high, 0.0)

    def result(self) -> tuple[float | None, ...]:
        if self.count == 0:
            return None, None, None, None
        norm = math.hypot(*self.norms)
        return norm, self.low, self.high, norm / math.sqrt(self.count)


def _numbers(gradient: torch.Tensor) -> list[float] | None:
    """A small gradient's values (magnitudes if complex) as floats; None if it has none to read."""
    if gradient.is_nested or gradient.is_meta:
        return None
    dense = gradient.to_dense() if gradient.layout is not torch.strided else gradient
    return as_real(dense).reshape(-1).tolist()


def json_floats(numbers: list[float]) -> list[float | str]:
    """The values as JSON takes them: NaN and ±Inf as the text "nan", "inf", "-inf"."""
    return [json_float(number) for number in numbers]
