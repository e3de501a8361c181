"""The values of any tensor as real numbers, in bounded chunks on the tensor's own device.

Statistics and previews read values through this module alone, so that every dtype and layout
is handled once: complex tensors are read as their magnitude, quantized ones dequantized,
bool and integers as numbers, sparse tensors as their stored values plus a count of implicit
zeros, nested tensors as their components. No function here copies a whole tensor: chunks are
views of at most ``CHUNK`` elements, and only a chunk is ever converted.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from torchinspect.distributed.detect import is_sharded

CHUNK = 1 << 20
MAX_COALESCED = 1 << 20
"""The most stored entries of an uncoalesced sparse tensor whose duplicates are summed to read it."""

_EXACT_FLOATS = (torch.float32, torch.float64)
_QUANTIZED = (torch.quint8, torch.qint8, torch.qint32, torch.quint4x2, torch.quint2x4)
_PER_TENSOR = (torch.per_tensor_affine, torch.per_tensor_symmetric)
# Dtypes torch stores but computes nothing with: no value of theirs can be read as a number.
_NO_ARITHMETIC = tuple(
    getattr(torch, name)
    for name in ("bits1x8", "bits2x4", "bits4x2", "bits8", "bits16", "float4_e2m1fn_x2")
    if hasattr(torch, name)
)
# Unsigned dtypes most kernels skip, read as a dtype that has them: int64 holds uint16 and
# uint32 exactly; uint64 is read as float64 (exact below 2**53).
WIDENED = {torch.uint16: torch.int64, torch.uint32: torch.int64, torch.uint64: torch.float64}


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


def has_arithmetic(dtype: torch.dtype) -> bool:
    """Whether torch computes with this dtype (not bits8, nor float4_e2m1fn_x2, ...)."""
    return dtype not in _NO_ARITHMETIC


def values_of(tensor: torch.Tensor) -> Values:
    """Find the numbers of ``tensor`` (detached), or raise NoValues with the reason."""
    if tensor.device.type == "meta":
        raise NoValues("a meta tensor has a shape and dtype but no values")
    if is_sharded(tensor):  # reading it here would start collectives that the other ranks never join
        raise NoValues(
            "a DTensor's values are spread over the ranks of its mesh: snapshot it on every rank together, "
            "or read one rank's block with dtensor.to_local()"
        )
    if not has_arithmetic(tensor.dtype):
        raise NoValues(
            f"torch has no arithmetic for {str(tensor.dtype).removeprefix('torch.')}: its values cannot be read as numbers"
        )
    if tensor.is_nested:
        return Values(_nested_parts(tensor), 0, _meaning(tensor.dtype))
    if tensor.is_quantized and tensor.qscheme() not in _PER_TENSOR:
        # A chunk of a per-channel tensor loses its channel's scale: dequantize it whole.
        # These are layer weights, small beside the activations the chunking is for.
        return Values((tensor.dequantize(),), 0, "dequantized values")
    if tensor.layout == torch.strided:
        return Values((tensor,), 0, _meaning(tensor.dtype))
    if tensor.layout == torch.sparse_coo:
        if not tensor.is_coalesced() and tensor._nnz() > MAX_COALESCED:
            raise NoValues(
                f"an uncoalesced sparse tensor of {tensor._nnz():,} stored entries: summing its duplicate "
                "entries here would take seconds and a copy; inspect t.coalesce() to see its values"
            )
        stored = tensor.coalesce().values() if not tensor.is_coalesced() else tensor.values()
    elif tensor.layout in (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc):
        stored = tensor.values()
    else:
        raise NoValues(f"reading values of the {tensor.layout} layout is not supported")
    return Values((stored,), tensor.numel() - stored.numel(), _meaning(tensor.dtype))


def chunks(values: Values, size: int | None = None) -> Iterator[torch.Tensor]:
    """Each stored element once, in views of at most ``size`` (default CHUNK) elements (convert with as_real)."""
    for part in values.parts:
        widened = WIDENED.get(part.dtype)
        if widened is None:
            yield from element_chunks(part, size)
        else:
            yield from (chunk.to(widened) for chunk in element_chunks(part, size))


def element_chunks(tensor: torch.Tensor, size: int | None = None) -> Iterator[torch.Tensor]:
    """Views covering each element of a dense tensor once, each of at most ``size`` (default CHUNK) elements.

    A contiguous tensor is split as a flat view, and so is a dense one (a transpose), in
    memory order. Any other (sliced, expanded) is split along its leading dimensions, so
    that no chunk needs a copy to exist.
    """
    size = CHUNK if size is None else size
    if tensor.numel() <= size and tensor.is_contiguous():
        yield tensor.reshape(-1)
        return
    if tensor.is_contiguous():
        yield from tensor.reshape(-1).split(size)
        return
    if is_dense(tensor):
        # In memory order: reductions over a transposed view run many times slower.
        yield from tensor.as_strided((tensor.numel(),), (1,)).split(size)
        return
    pending = [tensor]
    while pending:
        part = pending.pop()
        if part.numel() <= size or part.dim() == 0:
            yield part
        elif part.dim() == 1:
            yield from part.split(size)
        elif part[0].numel() <= size:
            yield from part.split(max(1, size // part[0].numel()))
        else:
            pending.extend(reversed(part.unbind(0)))  # popped first to last: row-major order


def is_dense(tensor: torch.Tensor) -> bool:
    """Whether the tensor's elements fill a block of memory, each once, in some order.

    A contiguous tensor does, and so does any permutation of its dimensions (a transpose):
    its values are then those of that block, whatever the order.
    """
    if tensor.is_contiguous():
        return True
    expected = 1
    for size, stride in sorted(zip(tensor.shape, tensor.stride()), key=lambda pair: pair[1]):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


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


class RealReader:
    """``as_real`` for chunk after chunk, converting into one buffer kept across them.

    A fresh allocation per chunk (and its page faults) costs more than the conversion. What
    a call returns is overwritten by the next call; the values are as ``as_real`` gives them.
    """

    def __init__(self) -> None:
        self._buffer: torch.Tensor | None = None

    def __call__(self, chunk: torch.Tensor) -> torch.Tensor:
        if chunk.is_quantized or chunk.is_complex() or chunk.dtype in _EXACT_FLOATS:
            return as_real(chunk)
        dtype = torch.float64 if is_integral(chunk.dtype) else torch.float32
        buffer = self._buffer
        if buffer is None or buffer.numel() < chunk.numel() or buffer.dtype != dtype or buffer.device != chunk.device:
            buffer = self._buffer = torch.empty(chunk.numel(), dtype=dtype, device=chunk.device)
        return buffer[: chunk.numel()].view(chunk.shape).copy_(chunk)


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


CHECKSUM_LIMIT = 1 << 16
"""Up to this many elements, a CPU tensor's bytes are checksummed after each cell."""


def contents_checksum(tensor: torch.Tensor) -> int | None:
    """A CRC-32 of a small CPU tensor's bytes; None where reading them all is not cheap.

    It sees the writes that ``Tensor._version`` does not count: through ``t.data``, and
    through a NumPy array that shares the tensor's memory. 65,536 float32 values take
    about 0.15 ms.
    """
    if (
        tensor.device.type != "cpu"
        or tensor.layout != torch.strided
        or tensor.is_nested
        or tensor.is_quantized
        or tensor.numel() > CHECKSUM_LIMIT
        or type(tensor) not in (torch.Tensor, torch.nn.Parameter)
    ):
        return None
    try:
        with torch.no_grad():
            flat = tensor.detach().resolve_conj().resolve_neg().contiguous().reshape(-1)
            return zlib.crc32(flat.view(torch.uint8).numpy().data)
    except (RuntimeError, TypeError):  # a dtype whose bytes torch will not expose (bits8, ...)
        return None
