"""A bounded picture of a tensor's values for heatmaps, downsampled on the tensor's device.

A 1-D tensor gives up to PREVIEW_LENGTH numbers; anything with more dimensions gives a 2-D
slice of up to PREVIEW_SIDE × PREVIEW_SIDE: two axes shown (the last two by default), every
other axis at an index. Where the slice is larger, each cell is the mean of a block of
elements (a NaN or Inf in the block shows in the cell), and the preview says how big the
blocks are. Only the preview itself leaves the device.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from typing import Any

import torch

from torchinspect.tensor.many_dims import TORCH_MAX_DIMS
from torchinspect.tensor.values import CHUNK, as_real, values_of

PREVIEW_LENGTH = 4096
PREVIEW_SIDE = 128
PIECE = 1 << 15
"""The fewest elements converted to float32 at once; more where the values are many (a buffer of
at most an eighth of their bytes, and of MAX_PIECE elements: the statistics' scratch, gone by
then, was as large, and each piece costs some ten calls). float32 needs no buffer and is read in
pieces of MAX_PIECE elements: a piece then stays in cache for the three reductions of a line
(one pass over memory instead of three; 10**7 float32 values: 9.5 -> 7.5 ms, one thread)."""
MAX_PIECE = 1 << 18
"""The most elements converted at once (1 MiB of float32, the statistics' largest chunk)."""
LINE_BLOCK_ALIGN = 32
"""A long line's blocks are a multiple of this many elements: torch's row-wise amin and amax
run about twice as fast on rows of a multiple of 32 (256 against 245 elements: 0.19 against
0.45 ms per 1e6 float32, one thread)..."""
ALIGNED_FROM = 128
"""...from blocks of this many elements (a 1-D line of over half a million), where the
rounding leaves at least four fifths of PREVIEW_LENGTH cells."""


def preview(
    tensor: torch.Tensor,
    *,
    axes: Sequence[int] | None = None,
    index: Sequence[int | None] | None = None,
) -> dict[str, Any]:
    """The preview of a dense tensor, with bytes of little-endian float32 in ``"data"``.

    A downsampled 1-D preview also has ``"lo"`` and ``"hi"``: each block's smallest and
    largest element, the envelope a line plot draws around the means.

    ``axes`` names the two axes to show (default: the last two); ``index`` gives, for each
    axis, the position to take on the axes not shown (default 0; entries of shown axes are
    ignored and reported as None). Raises ValueError for axes or indices out of range.
    """
    meaning = values_of(tensor).meaning
    if tensor.is_nested:
        raise ValueError("torchinspect: nested tensors have no heatmap yet; inspect one component, t[0]")
    if tensor.dim() == 0 or tensor.numel() == 0:
        raise ValueError("torchinspect: a preview needs at least one dimension and one element")
    shown = _shown_axes(tensor.dim(), axes)
    position = _positions(tensor.shape, shown, index)
    envelope = None
    if tensor.layout != torch.strided:
        cells, block = _sparse_cells(tensor, shown, position)
    elif tensor.dim() == 1:
        cells, length, envelope = _line_cells(tensor)
        block = [length]
    else:
        cells, block = _dense_cells(tensor, shown, position)
    result = {
        "of": meaning,
        "axes": list(shown),
        "index": position,
        "shape": list(cells.shape),
        "block": block,
        "dtype": "float32",
        "data": _float32_bytes(cells),
    }
    if envelope is not None:
        result.update(lo=_float32_bytes(envelope[0]), hi=_float32_bytes(envelope[1]))
    return result


def _float32_bytes(cells: torch.Tensor) -> bytes:
    """The cells' float32 bytes, copied once from their memory (through Python floats, 50 times slower)."""
    flat = cells.to("cpu", torch.float32).contiguous().reshape(-1)
    return ctypes.string_at(flat.data_ptr(), flat.numel() * flat.element_size())


def _dense_cells(
    tensor: torch.Tensor, shown: tuple[int, ...], position: list[int | None]
) -> tuple[torch.Tensor, list[int]]:
    plane = _plane(tensor, shown, position)
    if shown[0] > shown[1]:
        plane = plane.t()
    return _downsample(plane, PREVIEW_SIDE, PREVIEW_SIDE)


def _plane(tensor: torch.Tensor, shown: tuple[int, ...], position: list[int | None]) -> torch.Tensor:
    """The 2-D slice at ``position``, its axes in the tensor's order.

    Past TORCH_MAX_DIMS dimensions the slice is made as one strided view: indexing would select
    axis by axis, each select copying the sizes and strides of every axis left (quadratic: 77 s
    for a tensor of 60,001 dimensions).
    """
    if tensor.dim() <= TORCH_MAX_DIMS:
        return tensor[tuple(slice(None) if at is None else at for at in position)]
    strides = tensor.stride()
    offset = tensor.storage_offset() + sum(at * stride for at, stride in zip(position, strides) if at is not None)
    axes = sorted(shown)
    return tensor.as_strided([tensor.shape[axis] for axis in axes], [strides[axis] for axis in axes], offset)


def _sparse_cells(
    tensor: torch.Tensor, shown: tuple[int, ...], position: list[int | None]
) -> tuple[torch.Tensor, list[int]]:
    """Block means of a sparse tensor's slice, from its stored entries alone.

    Each stored value is added to its cell and each cell divided by the elements its block
    covers, so the implicit zeros count as they would in the dense tensor, and the work and
    memory grow with the stored entries, never with the dense size.
    """
    coo = (tensor if tensor.layout == torch.sparse_coo else tensor.to_sparse_coo()).coalesce()
    if coo.dense_dim() > 0:
        raise ValueError("torchinspect: hybrid sparse tensors (with dense dimensions) have no heatmap yet")
    indices, values = coo.indices(), as_real(coo.values()).float()
    keep = torch.ones(values.numel(), dtype=torch.bool, device=values.device)
    for axis, at in enumerate(position):
        if at is not None:
            keep &= indices[axis] == at
    sizes = [tensor.shape[axis] for axis in shown]
    if len(shown) == 1:
        rows, cols = torch.zeros_like(indices[0][keep]), indices[shown[0]][keep]
        sizes, blocks = [1, *sizes], [1, line_block(sizes[0])]
    else:
        rows, cols = indices[shown[0]][keep], indices[shown[1]][keep]
        blocks = [math.ceil(size / PREVIEW_SIDE) for size in sizes]
    shape = [math.ceil(size / block) for size, block in zip(sizes, blocks)]
    sums = torch.zeros(shape[0] * shape[1], dtype=torch.float32, device=values.device)
    sums.index_add_(0, (rows // blocks[0]) * shape[1] + cols // blocks[1], values[keep])
    covered = torch.outer(_block_lengths(sizes[0], blocks[0]), _block_lengths(sizes[1], blocks[1]))
    cells = sums.reshape(shape) / covered.to(sums.device)
    return (cells.reshape(-1), blocks[1:]) if len(shown) == 1 else (cells, blocks)


def _block_lengths(size: int, block: int) -> torch.Tensor:
    """Elements in each block along an axis: ``block`` each, the last one what is left."""
    lengths = torch.full((math.ceil(size / block),), float(block))
    lengths[-1] = size - block * (lengths.numel() - 1)
    return lengths


def _shown_axes(dims: int, axes: Sequence[int] | None) -> tuple[int, ...]:
    if dims == 1:
        if axes not in (None, [0], (0,)):
            raise ValueError("torchinspect: a 1-D tensor shows its only axis, 0")
        return (0,)
    if axes is None:
        return (dims - 2, dims - 1)
    if len(axes) != 2 or not all(isinstance(axis, int) for axis in axes):
        raise ValueError(f"torchinspect: axes must be two integers, got {axes!r}")
    normalized = tuple(axis + dims if axis < 0 else axis for axis in axes)
    if not all(0 <= axis < dims for axis in normalized) or normalized[0] == normalized[1]:
        raise ValueError(f"torchinspect: axes must be two different axes of 0..{dims - 1}, got {axes!r}")
    return normalized


def _positions(shape: torch.Size, shown: tuple[int, ...], index: Sequence[int | None] | None) -> list[int | None]:
    if index is not None and len(index) != len(shape):
        raise ValueError(f"torchinspect: index needs one entry per axis ({len(shape)}), got {len(index)}")
    positions: list[int | None] = []
    for axis, size in enumerate(shape):
        if axis in shown:
            positions.append(None)
            continue
        at = 0 if index is None else index[axis]
        if isinstance(at, bool) or not isinstance(at, int) or not -size <= at < size:
            raise ValueError(f"torchinspect: index {at!r} is out of range for axis {axis} of size {size}")
        positions.append(at % size)
    return positions


def _downsample(plane: torch.Tensor, max_rows: int, max_cols: int) -> tuple[torch.Tensor, list[int]]:
    """Block means of a 2-D view, at most max_rows × max_cols, reading bounded pieces of it."""
    rows, cols = plane.shape
    block_rows, block_cols = math.ceil(rows / max_rows), math.ceil(cols / max_cols)
    if block_rows == block_cols == 1:
        return as_real(plane).float(), [1, 1]
    # Columns read at once: whole blocks, about PIECE elements per band of rows.
    size = _piece_size(plane)
    width = min(cols, max(block_cols, (size // block_rows) // block_cols * block_cols))
    # Bands of block_rows rows read at once, so that a small or narrow plane takes few pieces.
    height = block_rows * max(1, size // (block_rows * width))
    whole = rows // block_rows * block_rows
    reader = _Float32Reader()
    out_rows = [
        _band_means(plane[top : min(top + height, whole)], block_rows, block_cols, width, reader)
        for top in range(0, whole, height)
    ]
    if whole < rows:
        out_rows.append(_band_means(plane[whole:], rows - whole, block_cols, width, reader))
    return torch.cat(out_rows), [block_rows, block_cols]


def _band_means(
    bands: torch.Tensor, block_rows: int, block_cols: int, width: int, reader: _Float32Reader
) -> torch.Tensor:
    """Block means of whole bands of block_rows rows: one row of cells per band."""
    count = bands.shape[0] // block_rows
    means = []
    for left in range(0, bands.shape[1], width):
        part = reader(bands[:, left : left + width].reshape(count, block_rows, -1))
        columns = part[:, 0] if block_rows == 1 else part.mean(dim=1)
        means.append(_blockwise(columns, block_cols, torch.mean))
    return torch.cat(means, dim=1)


def _line_cells(line: torch.Tensor) -> tuple[torch.Tensor, int, tuple[torch.Tensor, torch.Tensor] | None]:
    """Block means of a 1-D tensor, its block length, and each block's (min, max) when blocks are longer than 1.

    Means and envelope come from the same float32 piece: the conversion to float32 is
    monotonic, so the extremes of the converted values are the converted extremes.
    """
    block = line_block(line.numel())
    if block == 1:
        return as_real(line).float(), 1, None
    piece = max(block, _piece_size(line) // block * block)
    reader = _Float32Reader()
    means, lows, highs = [], [], []
    for left in range(0, line.numel(), piece):
        part = reader(line[left : left + piece]).unsqueeze(0)
        means.append(_blockwise(part, block, torch.mean))
        lows.append(_blockwise(part, block, torch.amin))
        highs.append(_blockwise(part, block, torch.amax))
    return torch.cat(means, dim=1)[0], block, (torch.cat(lows, dim=1)[0], torch.cat(highs, dim=1)[0])


def line_block(length: int) -> int:
    """Elements per cell of the preview of a 1-D line of ``length``: at most PREVIEW_LENGTH cells."""
    block = math.ceil(length / PREVIEW_LENGTH)
    if block < ALIGNED_FROM:
        return block
    return math.ceil(block / LINE_BLOCK_ALIGN) * LINE_BLOCK_ALIGN


def _blockwise(columns: torch.Tensor, block: int, reduce: Any) -> torch.Tensor:
    """``reduce`` over each run of ``block`` columns of each row (the last run may be shorter)."""
    rows, cols = columns.shape
    whole = cols // block * block
    reduced = reduce(columns[:, :whole].reshape(rows, -1, block), dim=2)
    if whole == cols:
        return reduced
    return torch.cat([reduced, reduce(columns[:, whole:], dim=1, keepdim=True)], dim=1)


def _piece_size(values: torch.Tensor) -> int:
    if values.dtype == torch.float32:
        return min(CHUNK, MAX_PIECE)
    return min(MAX_PIECE, max(PIECE, values.numel() * values.element_size() // 32))  # 4 bytes per float32


class _Float32Reader:
    """Pieces as float32, converted into buffers kept across pieces (float32 pieces are read as they are).

    Each piece is converted as ``as_real(piece).float()`` converts it (integers through
    float64), so the cells are the same, without a new allocation per piece.
    """

    def __init__(self) -> None:
        self._buffers: dict[torch.dtype, torch.Tensor] = {}

    def __call__(self, piece: torch.Tensor) -> torch.Tensor:
        """``piece`` as float32, laid out as ``as_real(piece[i]).float()`` lays out each band ``i`` of a 3-D piece.

        The means add in an order that follows the layout, and ``.to()`` keeps the order of
        a view's strides, so the buffer follows it too: the cells stay the same to the bit.
        """
        if piece.dtype == torch.float32:
            return piece
        if piece.is_quantized or piece.is_complex():
            return as_real(piece).float()
        strides: tuple[int, ...] = (1,)
        if piece.dim() == 3:
            strides = (piece[0].numel(), *torch.empty_like(piece[0], device="meta").stride())
        return self._into(torch.float32, piece, strides)

    def _into(self, dtype: torch.dtype, piece: torch.Tensor, strides: tuple[int, ...]) -> torch.Tensor:
        buffer = self._buffers.get(dtype)
        if buffer is None or buffer.numel() < piece.numel():
            buffer = self._buffers[dtype] = torch.empty(piece.numel(), dtype=dtype, device=piece.device)
        return buffer.as_strided(piece.shape, strides).copy_(piece)
