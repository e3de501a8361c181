"""The contents of a DTensor's snapshot: the global tensor's statistics, histogram and preview,
and its layout, computed by every rank of its mesh together.

Called by ``tensor.snapshot`` on every rank in the same order. A snapshot costs two
``all_reduce`` calls of a few numbers per rank and per preview cell (three for a downsampled
1-D line; each mesh dimension reduced apart when the mesh is not the whole world). A tensor
with a ``Partial`` placement is first redistributed with its reductions applied, as torch
defines them (a reduce-scatter: each rank then holds a share of the reduced values, never the
whole), after a check that every rank came with the same tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from torchinspect.distributed.alone import alone, layout_contents
from torchinspect.distributed.collectives import MeshReducer, require_process_group
from torchinspect.distributed.placements import (
    Block,
    blocks_of,
    counts_once,
    mesh_fields,
    placement_fields,
    sharding_of,
    without_partial,
)
from torchinspect.distributed.preview import PreviewPart
from torchinspect.distributed.statistics import (
    check_together,
    global_statistics,
    histogram_counts,
    local_histogram,
    signature_of,
)
from torchinspect.tensor.values import NoValues, values_of


@dataclass(frozen=True)
class Together:
    """A DTensor made ready for its ranks to read together: its Partial placements reduced."""

    readable: Any
    """The DTensor with no Partial placement (the one given, or its redistribution)."""
    reducer: MeshReducer
    slot: int
    """This rank's place among the mesh's ranks."""
    slots: int
    signature: float
    """What every rank must agree on: the mesh, the placements, the shape and the dtype."""
    sharding: dict[str, Any]


def together(tensor: Any) -> Together:
    """Check that this rank may read the DTensor with the others, and reduce its Partial placements.

    A Partial tensor is redistributed after one all_reduce that proves every rank came with it.
    """
    require_process_group()
    mesh = tensor.device_mesh
    if mesh.get_coordinate() is None:
        raise RuntimeError(
            f"torchinspect: rank {dist.get_rank()} is not part of this DTensor's device mesh (ranks "
            f"{mesh.mesh.reshape(-1).tolist()}), so it holds none of its values. Call snapshot, summary or inspect "
            "on the ranks of the mesh only."
        )
    sharding = sharding_of(tensor)
    reducer = MeshReducer(mesh)
    slot = sharding["mesh"]["ranks"].index(dist.get_rank())
    slots = len(sharding["mesh"]["ranks"])
    signature = signature_of(sharding["mesh"], sharding["placements"], list(tensor.shape), str(tensor.dtype))
    readable = tensor
    if any(p["kind"] == "partial" for p in sharding["placements"]):
        check_together(reducer, slot, slots, signature)
        readable = tensor.redistribute(mesh, without_partial(tensor.placements, tensor.dim()))
    return Together(readable, reducer, slot, slots, signature, sharding)


def sharded_contents(tensor: Any) -> dict[str, Any]:
    """statistics, histogram, preview and sharding of a DTensor (detached), read by its mesh's ranks
    together; its layout alone within ``this_rank_alone()``."""
    if alone():
        return layout_contents(tensor)
    ready = together(tensor)
    contents = _contents(ready.readable, ready.reducer, ready.slot, ready.slots, ready.signature)
    sharding = {**ready.sharding, "collectives": ready.reducer.calls}
    return {**contents, "values": None, "complex_parts": None, "sharding": sharding}


def _contents(readable: Any, reducer: MeshReducer, slot: int, slots: int, signature: float) -> dict[str, Any]:
    local = readable.to_local()
    mesh = readable.device_mesh
    placements = [placement_fields(p) for p in readable.placements]
    mine = _own_block(readable, placements)
    try:
        values = values_of(local)
    except NoValues as error:
        fields = ("statistics", "histogram", "preview")
        return {**dict.fromkeys(fields), "not_computed": dict.fromkeys(fields, str(error))}
    counted = values if counts_once(mesh.get_coordinate(), placements) else None
    stats = global_statistics(reducer, counted, readable.dtype, slot, slots, signature)
    histogram = local_histogram(counted, readable.dtype, stats)
    reason = _no_preview(readable, mine)
    part = None
    if mine is not None and not reason:
        part = PreviewPart.of(local if counted is not None else None, mine.offset, tuple(readable.shape))
    # The histogram's counts and the preview's sums, added across the mesh in one call.
    counts = torch.tensor([] if histogram is None else histogram["counts"], dtype=torch.float64)
    sums = torch.zeros(0, dtype=torch.float64) if part is None else part.sums()
    totals = reducer.sum(torch.cat([counts, sums]))
    not_computed = {"preview": reason} if reason else {}
    if histogram is None:
        not_computed["histogram"] = "there are no finite values to count"
    else:
        histogram = histogram_counts(histogram, totals[: len(counts)].tolist(), stats)
    preview = None if part is None else part.preview(reducer, totals[len(counts) :], values.meaning)
    return {"statistics": stats, "histogram": histogram, "preview": preview, "not_computed": not_computed}


def _no_preview(readable: Any, mine: Block | None) -> str:
    """Why the DTensor has no preview, or "" when it has one."""
    if readable.dim() == 0:
        return "a scalar: one value, shown as it is"
    if readable.numel() == 0:
        return "the tensor has no elements"
    if mine is None:
        return f"the layout {list(readable.placements)} is not drawn yet: see the statistics"
    return ""


def _own_block(readable: Any, placements: list[dict[str, Any]]) -> Block | None:
    mesh = readable.device_mesh
    ranks = mesh_fields(mesh)["ranks"]
    blocks = blocks_of(tuple(readable.shape), tuple(mesh.shape), ranks, placements)
    return None if blocks is None else blocks[ranks.index(dist.get_rank())]
