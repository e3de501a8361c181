"""The preview of a DTensor: block means of the global tensor, from each rank's part of each block.

The preview has the cells a single process would draw (the last two axes, the others at index
0; a 1-D tensor as a line of blocks cut by the same line_block). Each rank sums the elements of
its block that fall in each cell, cut at the global block boundaries; the sums, one number per
cell, are added across the mesh and divided by the elements each cell covers. A 1-D line's
envelope (each block's min and max) is reduced with one max, its minimum negated. Only numbers
per cell cross between ranks.
"""

from __future__ import annotations

import array
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from torchinspect.distributed.collectives import MeshReducer
from torchinspect.tensor.preview import PREVIEW_SIDE, line_block
from torchinspect.tensor.values import as_real

Reduce = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class Grid:
    """The global preview's cells: the axes shown, their block sizes and the cells' shape."""

    axes: tuple[int, ...]
    blocks: tuple[int, ...]
    cells: tuple[int, ...]

    @classmethod
    def of(cls, shape: tuple[int, ...]) -> Grid:
        axes: tuple[int, ...]
        blocks: tuple[int, ...]
        if len(shape) == 1:
            axes, blocks = (0,), (line_block(shape[0]),)
        else:
            axes = (len(shape) - 2, len(shape) - 1)
            blocks = tuple(math.ceil(shape[axis] / PREVIEW_SIDE) for axis in axes)
        cells = tuple(math.ceil(shape[axis] / block) for axis, block in zip(axes, blocks))
        return cls(axes, blocks, cells)


@dataclass(frozen=True)
class PreviewPart:
    """This rank's part of the preview of the global tensor of ``shape``."""

    grid: Grid
    shape: tuple[int, ...]
    plane: torch.Tensor | None
    """This rank's elements in the plane shown; None for a replica or a block off that plane."""
    starts: tuple[int, ...]
    """Where the plane begins along each axis shown, in the global tensor."""

    @classmethod
    def of(cls, local: torch.Tensor | None, offset: tuple[int, ...], shape: tuple[int, ...]) -> PreviewPart:
        grid = Grid.of(shape)
        plane = None if local is None else _shown_plane(local, offset, grid.axes)
        return cls(grid, shape, plane, tuple(offset[axis] for axis in grid.axes))

    def sums(self) -> torch.Tensor:
        """The sum of this rank's elements in each cell (0 where it has none), flat, in float64."""
        sums = torch.zeros(self.grid.cells, dtype=torch.float64)
        if self.plane is not None and self.plane.numel() > 0:
            _add_block_reductions(sums, as_real(self.plane), self.starts, self.grid.blocks, torch.sum)
        return sums.reshape(-1)

    def preview(self, reducer: MeshReducer, total_sums: torch.Tensor, meaning: str) -> dict[str, Any]:
        """The preview from every rank's sums added together (a 1-D line's envelope takes one max more)."""
        grid = self.grid
        means = total_sums.reshape(grid.cells) / _covered(self.shape, grid)
        result = {
            "of": meaning,
            "axes": list(grid.axes),
            "index": [None if axis in grid.axes else 0 for axis in range(len(self.shape))],
            "shape": list(grid.cells),
            "block": list(grid.blocks),
            "dtype": "float32",
            "data": _float32_bytes(means),
        }
        if len(self.shape) == 1 and grid.blocks[0] > 1:
            low, high = _envelope(reducer, self.plane, self.starts[0], grid)
            result.update(lo=_float32_bytes(low), hi=_float32_bytes(high))
        return result


def _shown_plane(local: torch.Tensor, offset: tuple[int, ...], axes: tuple[int, ...]) -> torch.Tensor | None:
    """This block's part of the preview's plane (index 0 on the axes not shown), or None if it has none."""
    index: list[int | slice] = []
    for axis in range(local.dim()):
        if axis in axes:
            index.append(slice(None))
        elif offset[axis] == 0 and local.shape[axis] > 0:
            index.append(0)
        else:
            return None
    return local[tuple(index)]


def _add_block_reductions(
    cells: torch.Tensor,
    plane: torch.Tensor,
    starts: tuple[int, ...] | list[int],
    blocks: tuple[int, ...],
    reduce: Reduce,
) -> None:
    """Reduce the plane over the global blocks along each axis, into the cells it reaches.

    Sums add into ``cells``; any other reduction (amin, amax) writes its result there.
    """
    reduced, first = plane, []
    for dim, (start, block) in enumerate(zip(starts, blocks)):
        first.append(start // block)
        reduced = _blockwise(reduced, dim, start, block, reduce)
    region = cells[tuple(slice(at, at + size) for at, size in zip(first, reduced.shape))]
    if reduce is torch.sum:
        region += reduced.to(cells.dtype)
    else:
        region.copy_(reduced)


def _blockwise(x: torch.Tensor, dim: int, start: int, block: int, reduce: Reduce) -> torch.Tensor:
    """``reduce`` over the runs of ``x`` along ``dim`` that fall in one global block of ``block`` elements,
    ``x`` beginning at global index ``start``: a head up to the first boundary, whole blocks, a tail."""
    size = x.shape[dim]
    head = min(size, (-start) % block)
    whole = (size - head) // block * block
    pieces = []
    if head:
        pieces.append(reduce(x.narrow(dim, 0, head), dim, keepdim=True))
    if whole:
        pieces.append(reduce(x.narrow(dim, head, whole).unflatten(dim, (whole // block, block)), dim + 1))
    if size - head - whole:
        pieces.append(reduce(x.narrow(dim, head + whole, size - head - whole), dim, keepdim=True))
    return torch.cat(pieces, dim)


def _covered(shape: tuple[int, ...], grid: Grid) -> torch.Tensor:
    """The elements each cell covers: ``block`` per axis, the last cell what is left."""
    lengths = []
    for axis, block, cells in zip(grid.axes, grid.blocks, grid.cells):
        line = torch.full((cells,), float(block), dtype=torch.float64)
        line[-1] = shape[axis] - block * (cells - 1)
        lengths.append(line)
    return lengths[0] if len(lengths) == 1 else torch.outer(lengths[0], lengths[1])


def _envelope(
    reducer: MeshReducer, line: torch.Tensor | None, start: int, grid: Grid
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each block's smallest and largest element (NaN where a block holds a NaN), in one max over the mesh."""
    packed = torch.full((3, grid.cells[0]), -math.inf, dtype=torch.float64)
    if line is not None and line.numel() > 0:
        real = as_real(line).float()
        low = torch.full((grid.cells[0],), math.nan, dtype=torch.float64)
        _add_block_reductions(low, real, [start], grid.blocks, torch.amin)
        _add_block_reductions(packed[1], real, [start], grid.blocks, torch.amax)
        packed[0] = -low
        packed[2] = torch.where(torch.isnan(packed[1]), 1.0, -math.inf)
        packed[:2] = torch.nan_to_num(packed[:2], nan=-math.inf, posinf=math.inf, neginf=-math.inf)
    packed = reducer.max(packed.reshape(-1)).reshape(packed.shape)
    holds_nan = packed[2] > 0
    return torch.where(holds_nan, math.nan, -packed[0]), torch.where(holds_nan, math.nan, packed[1])


def _float32_bytes(cells: torch.Tensor) -> bytes:
    return array.array("f", cells.to(torch.float32).reshape(-1).tolist()).tobytes()
