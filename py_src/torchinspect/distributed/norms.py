"""A DTensor's L2 norm and NaN/Inf counts, as the model view lists a parameter, in one all_reduce.

Each rank whose block counts (not a replica) takes its block's norm and counts; every rank writes
them into its slot of one small vector, a sum over the mesh hands every rank every slot, and each
combines the same global figures: the norm in units of the largest block's norm, so no square
overflows. Every rank of the mesh calls it together, as ``inspect(model)`` does on every rank.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from torchinspect.distributed.placements import counts_once, placement_fields
from torchinspect.distributed.snapshot import together
from torchinspect.distributed.statistics import check_slots


def sharded_norm(tensor: Any) -> dict[str, Any]:
    """``{"norm", "nan", "inf"}`` of the global values of a DTensor, read by its mesh's ranks together."""
    with torch.no_grad():
        ready = together(tensor.detach())
        readable = ready.readable
        placements = [placement_fields(p) for p in readable.placements]
        vector = torch.zeros(ready.slots, 5, dtype=torch.float64)
        vector[ready.slot, :2] = torch.tensor([1.0, ready.signature], dtype=torch.float64)
        if counts_once(readable.device_mesh.get_coordinate(), placements):
            vector[ready.slot, 2:] = torch.tensor(_local_figures(readable.to_local()), dtype=torch.float64)
        table = ready.reducer.sum(vector.reshape(-1)).reshape(ready.slots, 5)
    check_slots(table[:, :2], ready.signature)
    norms = [norm for norm in table[:, 2].tolist() if norm > 0 or math.isnan(norm)]
    largest = max((norm for norm in norms if math.isfinite(norm)), default=0.0)
    if any(not math.isfinite(norm) for norm in norms):
        norm = math.nan if any(math.isnan(n) for n in norms) else math.inf
    else:
        norm = 0.0 if largest == 0 else largest * math.sqrt(sum((n / largest) ** 2 for n in norms))
    return {"norm": norm, "nan": int(table[:, 3].sum()), "inf": int(table[:, 4].sum())}


def _local_figures(local: torch.Tensor) -> list[float]:
    """This block's norm (in float64 where it is float64, else float32, as the single process), NaN and Inf counts."""
    values = torch.view_as_real(local) if local.is_complex() else local
    if not values.is_floating_point():
        return [float(torch.linalg.vector_norm(values.double())), 0.0, 0.0]
    norm = float(
        torch.linalg.vector_norm(values, dtype=torch.float64 if values.dtype == torch.float64 else torch.float32)
    )
    if math.isfinite(norm):
        return [norm, 0.0, 0.0]
    return [norm, float(torch.isnan(values).sum()), float(torch.isinf(values).sum())]
