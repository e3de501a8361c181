"""The values of any tensor as real numbers, in bounded chunks on the tensor's own device.

Statistics and previews read values through this module alone, so that every dtype and layout
is handled once: complex tensors are read as their magnitude, quantized ones dequantized,
bool and integers as numbers, sparse tensors as their stored values plus a count of implicit
zeros, nested tensors as their components. No function here copies a whole tensor: chunks are
views of at most ``CHUNK`` elements, and only a chunk is ever converted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

CHUNK = 1 << 20

_EXACT_FLOATS = (torch.float32, torch.float64)
_QUANTIZED = (torch.quint8, torch.qint8, torch.qint32, torch.quint4x2, torch.quint2x4)
_PER_TENSOR = (torch.per_tensor_affine, torch.per_tensor_symmetric)


@dataclass(frozen=True)
class Values:
    """Where a tensor's numbers are, and what they mean."""

    parts: tuple[torch.Tensor, ...]
    """Dense tensors whose elements are the tensor's (stored) elements."""
    implicit_zeros: int
    """Elements a sparse tensor does not store: each is a zero."""
    meaning: str
    """What the numbers are: "values", "magnitude" (complex) or "dequantized values"."""

    @property
    def count(self) -> int:
        return sum(part.numel() for part in self.parts) + self.implicit_zeros


class NoValues(Exception):
    """The tensor's values cannot be read; the message says why, for the snapshot."""


def values_of(tensor: torch.Tensor) -> Values:
    """Find the numbers of ``tensor`` (detached), or raise NoValues with the reason."""
    if tensor.device.type == "meta":
        raise NoValues("a meta tensor has a shape and dtype but no values")
    if tensor.is_nested:
        return Values(_nested_parts(tensor), 0, _meaning(tensor.dtype))
    if tensor.is_quantized and tensor.qscheme() not in _PER_TENSOR:
        # A chunk of a per-channel tensor loses its channel's scale: dequantize it whole.
        # These are layer weights, small beside the activations the chunking is for.
        return Values((tensor.dequantize(),), 0, "dequantized values")
    if tensor.layout == torch.strided:
        return Values((tensor,), 0, _meaning(tensor.dtype))
    if tensor.layout == torch.sparse_coo:
        stored = tensor.coalesce().values() if not tensor.is_coalesced() else tensor.values()
    elif tensor.layout in (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc):
        stored = tensor.values()
    else:
        raise NoValues(f"reading values of the {tensor.layout} layout is not supported")
    return Values((stored,), tensor.numel() - stored.numel(), _meaning(tensor.dtype))


def chunks(values: Values) -> Iterator[torch.Tensor]:
    """Each stored element once, in views of at most CHUNK elements (convert with as_real)."""
    for part in values.parts:
        yield from element_chunks(part)


def element_chunks(tensor: torch.Tensor) -> Iterator[torch.Tensor]:
    """Views covering each element of a dense tensor once, each of at most CHUNK elements.

    A contiguous tensor is split as a flat view. Any other (transposed, sliced, expanded)
    is split along its leading dimensions, so that no chunk needs a copy to exist.
    """
    if tensor.is_contiguous():
        yield from tensor.reshape(-1).split(CHUNK)
        return
    pending = [tensor]
    while pending:
        part = pending.pop()
        if part.numel() <= CHUNK or part.dim() == 0:
            yield part
        elif part.dim() == 1:
            yield from part.split(CHUNK)
        elif part[0].numel() <= CHUNK:
            yield from part.split(max(1, CHUNK // part[0].numel()))
        else:
            pending.extend(part.unbind(0))


def as_real(chunk: torch.Tensor) -> torch.Tensor:
    """A chunk's numbers as floats that hold them exactly, the way ``Values.meaning`` says.

    float32 and float64 stay as they are; bool and integers become float64, so that their
    sums are exact (below 2**53); the narrow floats fit float32 exactly.
    """
    if chunk.is_quantized:
        chunk = chunk.dequantize()
    elif chunk.is_complex():
        chunk = chunk.abs()
    if chunk.dtype in _EXACT_FLOATS:
        return chunk
    if is_integral(chunk.dtype):
        return chunk.to(torch.float64)
    return chunk.to(torch.float32)


def is_integral(dtype: torch.dtype) -> bool:
    """bool and the integer dtypes, whose extremes are read exactly in their own dtype."""
    return not (dtype.is_floating_point or dtype.is_complex) and dtype not in _QUANTIZED


def _meaning(dtype: torch.dtype) -> str:
    if dtype.is_complex:
        return "magnitude"
    if dtype in _QUANTIZED:
        return "dequantized values"
    return "values"


def _nested_parts(tensor: torch.Tensor) -> tuple[torch.Tensor, ...]:
    if tensor.layout == torch.jagged:
        return (tensor.values(),)
    return tuple(tensor.unbind())
