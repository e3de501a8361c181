"""Exact statistics and a histogram of a tensor's values, computed on its device.

One pass over bounded chunks gives min, max, mean and std of the finite values and the
counts of NaN, +Inf, -Inf and zeros. min and max propagate NaN and Inf, so a chunk whose
extremes are finite proves there is nothing to count, and most chunks take the fast path.
The mean and variance are summed around a shift (the first finite chunk's mean), which
keeps the one-pass variance exact to float rounding even when the mean dwarfs the spread.
"""

from __future__ import annotations

import math
from typing import Any, cast

import torch

from torchinspect.tensor.values import CHUNK, Values, as_real, chunks, is_integral

HISTOGRAM_BINS = 64
HISTOGRAM_EXACT_LIMIT = 1 << 24
"""Up to this many finite values the histogram counts every one."""
HISTOGRAM_SAMPLE = 1 << 22
"""Above the limit it counts about this many: every p-th value, p prime (see sample_step)."""


class _Moments:
    """Running sums over chunks, kept on the device until the end."""

    def __init__(self) -> None:
        self.shift: float | None = None
        self.sum = 0.0
        self.sum_sq = 0.0
        self.low: float | int | None = None
        self.high: float | int | None = None
        self.zeros = 0
        self.nan = 0
        self.posinf = 0
        self.neginf = 0

    def add_extremes(self, low: float | int, high: float | int) -> None:
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

        self._scratch: torch.Tensor | None = None

    def add_deviations_of(self, real: torch.Tensor) -> None:
        """Add the sums of ``real - shift``, written into one reused buffer.

        Reusing it spares a fresh allocation (and its page faults) for every chunk.
        """
        flat = real.reshape(-1)
        if self._scratch is None or self._scratch.numel() < flat.numel() or self._scratch.dtype != flat.dtype:
            self._scratch = torch.empty(max(flat.numel(), CHUNK), dtype=flat.dtype, device=flat.device)
        deviations = torch.sub(flat, cast(float, self.shift), out=self._scratch[: flat.numel()])
        self.add_deviations(deviations)

    def add_deviations(self, deviations: torch.Tensor) -> None:
        flat = deviations.reshape(-1)
        self.sum += float(flat.sum())
        self.sum_sq += float(torch.dot(flat, flat))


def statistics(values: Values, dtype: torch.dtype) -> dict[str, Any]:
    """min, max, mean and std of the finite values, and the counts that matter, exactly."""
    moments = _Moments()
    integral = is_integral(dtype)
    for chunk in chunks(values):
        if chunk.numel() == 0:
            continue
        real = as_real(chunk)
        low, high = (float(v) for v in torch.aminmax(real.reshape(-1)))
        if math.isfinite(low) and math.isfinite(high):
            _add_finite_chunk(moments, chunk if integral else real, real, integral)
        else:
            _add_chunk_with_specials(moments, real)
    _add_implicit_zeros(moments, values.implicit_zeros)
    finite = values.count - moments.nan - moments.posinf - moments.neginf
    return {
        "of": values.meaning,
        "count": values.count,
        "finite": finite,
        "min": moments.low,
        "max": moments.high,
        "mean": None if finite == 0 else cast(float, moments.shift) + moments.sum / finite,
        "std": _std(moments, finite),
        "nan": moments.nan,
        "posinf": moments.posinf,
        "neginf": moments.neginf,
        "zeros": moments.zeros,
    }


def _add_finite_chunk(moments: _Moments, exact: torch.Tensor, real: torch.Tensor, integral: bool) -> None:
    low, high = torch.aminmax(exact.reshape(-1))
    if integral:
        moments.add_extremes(int(low), int(high))
    else:
        moments.add_extremes(float(low), float(high))
    moments.zeros += real.numel() - int(torch.count_nonzero(real))
    if moments.shift is None:
        moments.shift = float(real.double().mean()) if real.numel() <= 4096 else float(real.mean())
    moments.add_deviations_of(real)


def _add_chunk_with_specials(moments: _Moments, real: torch.Tensor) -> None:
    nan = torch.isnan(real)
    moments.nan += int(nan.sum())
    moments.posinf += int((real == math.inf).sum())
    moments.neginf += int((real == -math.inf).sum())
    moments.zeros += int((real == 0).sum())
    finite = torch.isfinite(real)
    if not bool(finite.any()):
        return
    moments.add_extremes(
        float(torch.where(finite, real, math.inf).min()),
        float(torch.where(finite, real, -math.inf).max()),
    )
    if moments.shift is None:
        moments.shift = float(real[finite].double().mean())
    moments.add_deviations(torch.where(finite, real - moments.shift, 0.0))


def _add_implicit_zeros(moments: _Moments, count: int) -> None:
    if count == 0:
        return
    moments.zeros += count
    moments.add_extremes(0, 0)
    if moments.shift is None:
        moments.shift = 0.0
    moments.sum -= count * moments.shift
    moments.sum_sq += count * moments.shift**2


def _std(moments: _Moments, finite: int) -> float | None:
    if finite < 2:
        return None
    variance = (moments.sum_sq - moments.sum**2 / finite) / (finite - 1)
    return math.sqrt(max(variance, 0.0))


def histogram(values: Values, dtype: torch.dtype, stats: dict[str, Any]) -> dict[str, Any] | None:
    """Counts of the finite values in equal bins between their min and max.

    Integer and bool tensors with at most HISTOGRAM_BINS distinct possible values get one bin
    per value. Returns None when there is no finite value to count.
    """
    low, high, finite = stats["min"], stats["max"], stats["finite"]
    if finite == 0:
        return None
    if is_integral(dtype) and high - low < HISTOGRAM_BINS:
        bins, edge_low, edge_high = high - low + 1, low - 0.5, high + 0.5
    elif low == high:
        bins, edge_low, edge_high = 1, low, high
    else:
        bins, edge_low, edge_high = HISTOGRAM_BINS, low, high
    step = sample_step(finite)
    counts = _count(values, bins, edge_low, edge_high, step)
    return {
        "of": values.meaning,
        "lo": edge_low,
        "hi": edge_high,
        "counts": counts,
        "sample_every": step,
    }


def sample_step(count: int) -> int:
    """1 up to HISTOGRAM_EXACT_LIMIT; above, the smallest prime giving at most ~HISTOGRAM_SAMPLE.

    A prime step keeps the sample from lining up with a row length and seeing only some columns.
    """
    if count <= HISTOGRAM_EXACT_LIMIT:
        return 1
    step = max(2, math.ceil(count / HISTOGRAM_SAMPLE))
    while any(step % divisor == 0 for divisor in range(2, math.isqrt(step) + 1)):
        step += 1
    return step


def _count(values: Values, bins: int, low: float, high: float, step: int) -> list[int]:
    if bins == 1:
        return [_count_single_value(values, low, step)]
    counts: torch.Tensor | None = None
    position = 0
    for chunk in chunks(values):
        first = (-position) % step
        position += chunk.numel()
        sample = as_real(chunk).reshape(-1)[first::step]
        if sample.numel() == 0:
            continue
        sample = sample.to(torch.float64) if sample.dtype == torch.float64 else sample.float()
        chunk_counts = torch.histc(sample, bins=bins, min=low, max=high)
        counts = chunk_counts if counts is None else counts + chunk_counts
    result = [0] * bins if counts is None else [int(c) for c in counts.tolist()]
    if values.implicit_zeros and low <= 0 <= high:
        zero_bin = min(bins - 1, int((0 - low) / (high - low) * bins))
        result[zero_bin] += round(values.implicit_zeros / step)
    return result


def _count_single_value(values: Values, value: float, step: int) -> int:
    total = 0
    position = 0
    for chunk in chunks(values):
        first = (-position) % step
        position += chunk.numel()
        total += int((as_real(chunk).reshape(-1)[first::step] == value).sum())
    return total + round(values.implicit_zeros / step) * (value == 0)
