"""Each rank's own block of a DTensor, snapshot by that rank and sent to the rank that shows it.

At ``inspect(dtensor, rank=r)`` every rank of the mesh is present, so each takes the
single-process snapshot of its own block (statistics, histogram and preview of those values
alone) and one gather hands them to rank ``r``: its page can then show any rank's block without
asking the others, which it cannot. Bounded: the first ``MAX_BLOCKS_SHOWN`` ranks of the mesh
send theirs, each snapshot of bounded size.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist

from torchinspect.distributed.placements import placement_fields
from torchinspect.tensor.snapshot import snapshot

MAX_BLOCKS_SHOWN = 16
"""A DTensor's widget carries the blocks of at most this many ranks."""


def block_snapshots(tensor: Any, *, name: str | None, rank: int) -> list[dict[str, Any]] | None:
    """On rank ``rank``, the snapshots of the first ranks' blocks, in mesh order; None elsewhere.

    Every rank of the mesh calls it together. None on every rank when the mesh is not the whole
    world, or its placements are not all plain shards and replicas (a Partial block is an addend,
    not values of the tensor).
    """
    mesh = tensor.device_mesh
    kinds = {placement_fields(p)["kind"] for p in tensor.placements}
    if mesh.size() != dist.get_world_size() or not kinds <= {"shard", "replicate"}:
        return None
    ranks = mesh.mesh.reshape(-1).tolist()
    me = dist.get_rank()
    mine = None
    if ranks.index(me) < MAX_BLOCKS_SHOWN:
        with torch.no_grad():  # to_local() is then the block itself: no copy, no autograd node
            mine = snapshot(tensor.to_local(), name=f"{name or 'dtensor'}, rank {me}'s block")
    gathered: list[Any] | None = [None] * dist.get_world_size() if me == rank else None
    dist.gather_object(mine, gathered, dst=rank)
    if gathered is None:
        return None
    return [gathered[r] for r in ranks[:MAX_BLOCKS_SHOWN]]
