"""A DTensor's layout as plain data: its mesh, its placements and the block each rank holds.

``Shard(d)`` splits dimension d as ``torch.chunk`` does (blocks of ceil(size / n), the last
ones shorter or empty), one mesh dimension after another; ``Replicate()`` gives every rank of
its mesh dimension the same block; ``Partial(op)`` gives each the same block holding one
addend of the global values, which are the ``op`` (sum, avg, max, min) across them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

MAX_BLOCKS_LISTED = 1024
"""A snapshot lists at most this many ranks' blocks, so its size stays bounded on any mesh."""


@dataclass(frozen=True)
class Block:
    """The part of the global tensor one rank holds."""

    rank: int
    coordinate: tuple[int, ...]
    shape: tuple[int, ...]
    offset: tuple[int, ...]
    role: str
    """"shard": its values count once; "replica": a copy of a block another rank counts;
    "partial": one addend of the block's values."""


def placement_fields(placement: Any) -> dict[str, Any]:
    """``{"kind": "shard", "dim": d}``, ``{"kind": "replicate"}``, ``{"kind": "partial", "reduce_op": op}``,
    or ``{"kind": "other", "text": repr}`` for a placement drawn as text alone (such as FSDP2's strided shard)."""
    name = type(placement).__name__
    if name == "Shard":
        return {"kind": "shard", "dim": placement.dim}
    if name == "Replicate":
        return {"kind": "replicate"}
    if name == "Partial":
        return {"kind": "partial", "reduce_op": str(placement.reduce_op)}
    return {"kind": "other", "text": repr(placement)}


def mesh_fields(mesh: Any) -> dict[str, Any]:
    """The mesh's shape, dimension names, device type and ranks (row-major)."""
    return {
        "shape": list(mesh.shape),
        "dim_names": None if mesh.mesh_dim_names is None else list(mesh.mesh_dim_names),
        "device_type": mesh.device_type,
        "ranks": [int(rank) for rank in mesh.mesh.reshape(-1).tolist()],
    }


def sharding_of(tensor: Any) -> dict[str, Any]:
    """A DTensor's ``sharding`` in its snapshot, less the count of collectives: its mesh, its
    placements, the summary's words, this rank, and every rank's block (at most MAX_BLOCKS_LISTED).
    Read from this rank's metadata: no collective."""
    mesh = tensor.device_mesh
    mesh_data = mesh_fields(mesh)
    placements = [placement_fields(p) for p in tensor.placements]
    blocks = blocks_of(tuple(tensor.shape), tuple(mesh.shape), mesh_data["ranks"], placements)
    return {
        "mesh": mesh_data,
        "placements": placements,
        "text": sharding_text(mesh_data, placements),
        "rank": dist.get_rank(),
        "blocks": None if blocks is None else [block_fields(block) for block in blocks[:MAX_BLOCKS_LISTED]],
        "blocks_total": len(mesh_data["ranks"]),
    }


def graph_sharding(tensor: Any) -> dict[str, Any]:
    """What a graph says of a DTensor beside its global shape: its mesh, its placements and the
    shape of the block this rank holds. Metadata of this rank alone: no collective, so the graph
    walk of one rank never waits for the others."""
    mesh = tensor.device_mesh
    return {
        "mesh": {
            "shape": list(mesh.shape),
            "dim_names": None if mesh.mesh_dim_names is None else list(mesh.mesh_dim_names),
            "device_type": mesh.device_type,
        },
        "placements": [placement_fields(p) for p in tensor.placements],
        "local_shape": list(_local_shape(tensor)),
    }


def _local_shape(tensor: Any) -> Any:
    # Under no_grad, to_local() hands back the local tensor itself: no copy and no autograd node.
    with torch.no_grad():
        return tensor.to_local().shape


def blocks_of(
    shape: tuple[int, ...], mesh_shape: tuple[int, ...], ranks: list[int], placements: list[dict[str, Any]]
) -> list[Block] | None:
    """Every rank's block, in mesh order; None when a placement is not a plain Shard, Replicate or Partial."""
    if any(placement["kind"] == "other" for placement in placements):
        return None
    return [
        _block_at(shape, mesh_shape, coordinate, rank, placements)
        for coordinate, rank in zip(_coordinates(mesh_shape), ranks)
    ]


def sharding_text(mesh: dict[str, Any], placements: list[dict[str, Any]]) -> str:
    """``DTensor(mesh dp=2 tp=2 cpu, [Shard(0), Replicate()])``: what the summary line says."""
    names = mesh["dim_names"] or [f"d{dim}" for dim in range(len(mesh["shape"]))]
    sizes = " ".join(f"{name}={size}" for name, size in zip(names, mesh["shape"]))
    return f"DTensor(mesh {sizes} {mesh['device_type']}, [{', '.join(map(placement_text, placements))}])"


def placement_text(placement: dict[str, Any]) -> str:
    kind = placement["kind"]
    if kind == "shard":
        return f"Shard({placement['dim']})"
    if kind == "replicate":
        return "Replicate()"
    if kind == "partial":
        return f"Partial({placement['reduce_op']})"
    return str(placement["text"])


def block_fields(block: Block) -> dict[str, Any]:
    return {
        "rank": block.rank,
        "coordinate": list(block.coordinate),
        "shape": list(block.shape),
        "offset": list(block.offset),
        "role": block.role,
    }


def _coordinates(mesh_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    coordinates: list[tuple[int, ...]] = [()]
    for size in mesh_shape:
        coordinates = [(*coordinate, index) for coordinate in coordinates for index in range(size)]
    return coordinates


def _block_at(
    shape: tuple[int, ...],
    mesh_shape: tuple[int, ...],
    coordinate: tuple[int, ...],
    rank: int,
    placements: list[dict[str, Any]],
) -> Block:
    sizes, offsets = list(shape), [0] * len(shape)
    for mesh_dim, placement in enumerate(placements):
        if placement["kind"] != "shard":
            continue
        dim = placement["dim"] % len(shape)
        size, offset = chunk_of(sizes[dim], mesh_shape[mesh_dim], coordinate[mesh_dim])
        sizes[dim] = size
        offsets[dim] += offset
    if not counts_once(coordinate, placements):
        role = "replica"
    elif any(p["kind"] == "partial" for p in placements):
        role = "partial"
    else:
        role = "shard"
    return Block(rank, coordinate, tuple(sizes), tuple(offsets), role)


def counts_once(coordinate: tuple[int, ...] | list[int], placements: list[dict[str, Any]]) -> bool:
    """Whether this rank's values count in the global tensor: not a copy on a replicated mesh dimension.

    Of the ranks along a Replicate dimension, the one at coordinate 0 counts.
    """
    return all(p["kind"] != "replicate" or coordinate[d] == 0 for d, p in enumerate(placements))


def chunk_of(size: int, chunks: int, index: int) -> tuple[int, int]:
    """The (size, offset) of ``torch.chunk``'s ``index``-th of ``chunks`` pieces of ``size`` elements."""
    full = math.ceil(size / chunks)
    start = full * index
    if start >= size:
        return 0, size
    return min(size, start + full) - start, start


def without_partial(placements: tuple[Any, ...], dims: int) -> list[Any]:
    """The placements with each Partial replaced by Shard(0) (Replicate for a scalar).

    Redistributing to these applies each Partial's reduction as torch defines it, by a
    reduce-scatter that leaves every rank a share of the reduced block, never a copy of it.
    """
    from torch.distributed.tensor import Replicate, Shard

    return [(Shard(0) if dims else Replicate()) if type(p).__name__ == "Partial" else p for p in placements]
