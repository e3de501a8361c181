"""The global tensor's statistics and histogram, from each rank's own, in one all_reduce.

Every rank measures the block it holds with the single-process ``tensor.statistics`` (exact
extremes and counts; scaled moments), and writes the result into its own slot of one small
vector; a sum over the mesh then hands every rank every slot, from which each combines the
same global figures. Only ranks whose block counts (not replicas) fill their figures in, so
replicated dimensions are not counted twice. Integers travel as two exact 32-bit halves;
means and standard deviations are combined in units of a power of two (Chan's parallel
variance), so the result matches the single-process snapshot to float64 rounding.
"""

from __future__ import annotations

import math
import sys
import zlib
from typing import Any

import torch

from torchinspect.distributed.collectives import CollectiveError, MeshReducer
from torchinspect.tensor.statistics import histogram, statistics
from torchinspect.tensor.values import Values

_FIELDS = (
    "present", "signature", "counted", "count", "finite", "nan", "posinf", "neginf", "zeros",
    "min_high", "min_low", "max_high", "max_low", "mean", "std", "integral",
)  # fmt: skip
_COUNTS = ("count", "finite", "nan", "posinf", "neginf", "zeros")


def signature_of(*parts: object) -> float:
    """A number every rank computes alike from what it was called with (CRC-32, exact in float64)."""
    return float(zlib.crc32(repr(parts).encode()))


def check_together(reducer: MeshReducer, slot: int, slots: int, signature: float) -> None:
    """One small all_reduce that proves every rank of the mesh called with the same tensor."""
    vector = torch.zeros(slots, 2, dtype=torch.float64)
    vector[slot] = torch.tensor([1.0, signature], dtype=torch.float64)
    check_slots(reducer.sum(vector.reshape(-1)).reshape(slots, 2)[:, :2], signature)


def global_statistics(
    reducer: MeshReducer, values: Values | None, dtype: torch.dtype, slot: int, slots: int, signature: float
) -> dict[str, Any]:
    """The statistics of the global tensor; ``values`` is this rank's block, None for a replica."""
    vector = torch.zeros(slots, len(_FIELDS), dtype=torch.float64)
    vector[slot] = torch.tensor(_slot_of(values, dtype, signature), dtype=torch.float64)
    table = reducer.sum(vector.reshape(-1)).reshape(slots, len(_FIELDS))
    check_slots(table[:, :2], signature)
    rows = [dict(zip(_FIELDS, row)) for row in table.tolist() if row[2] == 1.0]
    return _combined(rows, "values" if values is None else values.meaning)


def local_histogram(values: Values | None, dtype: torch.dtype, stats: dict[str, Any]) -> dict[str, Any] | None:
    """This rank's histogram in the global tensor's bins (set by the global extremes); summed across
    ranks, the global histogram. None when the global tensor has no finite value.

    Above 2**24 finite values each rank counts every p-th of its own elements, so the sample is
    not the one a single process takes, though of the same size.
    """
    if stats["finite"] == 0:
        return None
    return histogram(values or Values((), 0, stats["of"]), dtype, stats)


def histogram_counts(local: dict[str, Any], totals: list[float], stats: dict[str, Any]) -> dict[str, Any]:
    """The global histogram from the counts summed across ranks.

    A single bin holds every finite value (they are all one value): its count is the global
    finite count, whatever each rank reported for it.
    """
    counts = [int(count) for count in totals]
    if len(counts) == 1 and local["sample_every"] == 1:
        counts = [stats["finite"]]
    return {**local, "counts": counts}


def _slot_of(values: Values | None, dtype: torch.dtype, signature: float) -> list[float]:
    figures = dict.fromkeys(_FIELDS, 0.0)
    figures.update(present=1.0, signature=signature)
    if values is not None:
        stats = statistics(values, dtype)
        figures.update({key: float(stats[key]) for key in _COUNTS}, counted=1.0)
        figures.update(mean=stats["mean"] or 0.0, std=stats["std"] or 0.0)
        if stats["min"] is not None:
            figures["min_high"], figures["min_low"] = _halves(stats["min"])
            figures["max_high"], figures["max_low"] = _halves(stats["max"])
            figures["integral"] = float(isinstance(stats["min"], int))
    return list(figures.values())


def _halves(value: float | int) -> tuple[float, float]:
    """An int as its high and low 32 bits (each exact in float64); a float as itself and 0."""
    if isinstance(value, int):
        return float(value >> 32), float(value & 0xFFFFFFFF)
    return value, 0.0


def _whole(high: float, low: float, integral: bool) -> float | int:
    return int(high) * 2**32 + int(low) if integral else high


def check_slots(table: torch.Tensor, signature: float) -> None:
    present, signatures = table[:, 0], table[:, 1]
    if bool((present != 1).any()) or bool((signatures != signature).any()):
        raise CollectiveError(
            "torchinspect: the ranks of the DTensor's mesh called with different tensors (their shape, dtype, "
            "placements or mesh differ). Call snapshot, summary or inspect of the same DTensor on every "
            "rank of its mesh, at the same point of the program."
        )


def _combined(rows: list[dict[str, float]], meaning: str) -> dict[str, Any]:
    counts = {key: int(sum(row[key] for row in rows)) for key in _COUNTS}
    with_values = [row for row in rows if row["finite"] > 0]
    low = min((_whole(row["min_high"], row["min_low"], row["integral"] == 1.0) for row in with_values), default=None)
    high = max((_whole(row["max_high"], row["max_low"], row["integral"] == 1.0) for row in with_values), default=None)
    mean, std = _combined_moments([(int(row["finite"]), row["mean"], row["std"]) for row in with_values])
    return {
        "of": meaning,
        "count": counts["count"],
        "finite": counts["finite"],
        "min": low,
        "max": high,
        "mean": mean,
        "std": std,
        **{key: counts[key] for key in ("nan", "posinf", "neginf", "zeros")},
    }


def _combined_moments(parts: list[tuple[int, float, float]]) -> tuple[float | None, float | None]:
    """Mean and std of the union from each part's (count, mean, std), in units of 2**exponent.

    The unit is the largest part's binary exponent, so no product or square overflows.
    """
    total = sum(count for count, _, _ in parts)
    if total == 0:
        return None, None
    exponent = max(math.frexp(value)[1] for _, mean, std in parts for value in (mean, std))
    scaled = [(count, math.ldexp(mean, -exponent), math.ldexp(std, -exponent)) for count, mean, std in parts]
    mean = sum(count * part_mean for count, part_mean, _ in scaled) / total
    if total < 2:
        return math.ldexp(mean, exponent), None
    spread = sum((count - 1) * std**2 + count * (part_mean - mean) ** 2 for count, part_mean, std in scaled)
    try:
        std = math.ldexp(math.sqrt(max(spread / (total - 1), 0.0)), exponent)
    except OverflowError:  # a float64 spread beyond float64's range, as the single process says
        std = sys.float_info.max
    return math.ldexp(mean, exponent), std
