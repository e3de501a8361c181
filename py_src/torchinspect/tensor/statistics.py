"""Exact statistics and a histogram of a tensor's values, computed on its device.

One pass over bounded chunks gives min, max, mean and std of the finite values and the
counts of NaN, +Inf, -Inf and zeros. min and max propagate NaN and Inf, so a chunk whose
extremes are finite proves there is nothing to count, and most chunks take the fast path.
The mean and variance are summed around a shift (the first finite chunk's mean), which
keeps the one-pass variance exact to float rounding even when the mean dwarfs the spread.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import torch

from torchinspect.tensor.values import CHUNK, Values, as_real, chunks, is_integral

HISTOGRAM_BINS = 64
HISTOGRAM_EXACT_LIMIT = 1 << 24
"""Up to this many finite values the histogram counts every one."""
HISTOGRAM_SAMPLE = 1 << 22
"""Above the limit it counts about this many: every p-th value, p prime (see sample_step)."""


class _Moments:
    """Running sums over chunks, scaled by a power of two so that no square overflows.

    Deviations from ``shift`` are summed in units of ``2**exponent``: a chunk whose values
    would overflow (or underflow) when squared in its own dtype is multiplied by a power of
    two first, which is exact, and the sums so far are rescaled when a larger unit comes.
    """

    def __init__(self) -> None:
        self.shift: float | None = None
        # None until the first sums come: tiny values then set a unit below 1.
        self.exponent: int | None = None
        self.sum = 0.0
        self.sum_sq = 0.0
        self.low: float | int | None = None
        self.high: float | int | None = None
        self.zeros = 0
        self.nan = 0
        self.posinf = 0
        self.neginf = 0
        self._scratch: torch.Tensor | None = None

    def add_extremes(self, low: float | int, high: float | int) -> None:
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

    def add_deviations_of(
        self, real: torch.Tensor, low: float, high: float, finite: torch.Tensor | None = None
    ) -> None:
        """Add the sums of ``real - shift`` (over ``finite`` only, where given).

        ``low`` and ``high`` bound the values summed. The deviations go into one reused
        buffer: a fresh allocation (and its page faults) for every chunk costs more.
        """
        flat = real.reshape(-1)
        if self.shift is None:
            self.shift = _mean_of(flat if finite is None else flat[finite.reshape(-1)], low, high)
        unit = _unit(flat.dtype, max(_binary_exponent(low), _binary_exponent(high), _binary_exponent(self.shift)))
        if self._scratch is None or self._scratch.numel() < flat.numel() or self._scratch.dtype != flat.dtype:
            self._scratch = torch.empty(max(flat.numel(), CHUNK), dtype=flat.dtype, device=flat.device)
        deviations = self._scratch[: flat.numel()]
        if unit == 0:
            torch.sub(flat, self.shift, out=deviations)
        else:
            torch.mul(flat, math.ldexp(1.0, -unit), out=deviations).sub_(math.ldexp(self.shift, -unit))
        if finite is not None:
            deviations.masked_fill_(~finite.reshape(-1), 0.0)
        self._add(float(deviations.sum()), float(torch.dot(deviations, deviations)), unit)

    def add_zeros(self, count: int) -> None:
        """Add ``count`` values that are exactly zero."""
        if self.shift is None:
            self.shift = 0.0
        unit = _binary_exponent(self.shift)
        scaled_shift = math.ldexp(self.shift, -unit)
        self._add(-count * scaled_shift, count * scaled_shift**2, unit)

    def mean(self, count: int) -> float:
        assert self.shift is not None
        exponent = self.exponent or 0
        return math.ldexp(math.ldexp(self.shift, -exponent) + self.sum / count, exponent)

    def std(self, count: int) -> float:
        variance = max((self.sum_sq - self.sum**2 / count) / (count - 1), 0.0)
        try:
            return math.ldexp(math.sqrt(variance), self.exponent or 0)
        except OverflowError:  # a float64 spread beyond float64's range
            return sys.float_info.max

    def _add(self, total: float, total_sq: float, unit: int) -> None:
        """Add sums counted in units of ``2**unit``."""
        if self.exponent is None:
            self.exponent = unit
        elif unit > self.exponent:
            self.sum = math.ldexp(self.sum, self.exponent - unit)
            self.sum_sq = math.ldexp(self.sum_sq, 2 * (self.exponent - unit))
            self.exponent = unit
        self.sum += math.ldexp(total, unit - self.exponent)
        self.sum_sq += math.ldexp(total_sq, 2 * (unit - self.exponent))


# Below this binary exponent of the largest deviation, a chunk's squares summed in its own
# dtype neither overflow nor lose their small values: float32's range is 2**±126, and a
# sum of 2**20 squares needs 2*exponent + 20 of it.
_PLAIN_EXPONENT = {torch.float32: 50, torch.float64: 490}
# Every finite value of the dtype is below 2**this.
_MAX_EXPONENT = {torch.float32: 128, torch.float64: 1024}


def _binary_exponent(value: float) -> int:
    """The e with abs(value) < 2**e (0 for zero)."""
    return math.frexp(value)[1]


def _unit(dtype: torch.dtype, exponent: int) -> int:
    """0 where the deviations can be summed as they are, else the power of two to divide by."""
    plain = _PLAIN_EXPONENT[dtype]
    if -plain <= exponent <= plain:
        return 0
    # A deviation is below 2**(exponent + 1); dividing by that leaves it below 1. Tiny values
    # (down to the subnormals) are scaled up as far as the largest power of two the dtype holds.
    return max(exponent + 1, 2 - _MAX_EXPONENT[dtype])


def _mean_of(values: torch.Tensor, low: float, high: float) -> float:
    """The mean of a chunk's values (the shift), scaled where their sum could overflow.

    A small chunk's mean is taken in float64; a large one's in its own dtype, whose
    pairwise sum is close enough for a shift and many times faster.
    """
    if values.numel() <= 4096:
        values = values.double()
    unit = _unit(values.dtype, max(_binary_exponent(low), _binary_exponent(high)))
    if unit == 0:
        return float(values.mean())
    return math.ldexp(float((values * math.ldexp(1.0, -unit)).mean()), unit)


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
            _add_finite_chunk(moments, chunk if integral else real, real, integral, low, high)
        else:
            _add_chunk_with_specials(moments, real)
    if values.implicit_zeros:
        moments.zeros += values.implicit_zeros
        moments.add_extremes(0, 0)
        moments.add_zeros(values.implicit_zeros)
    finite = values.count - moments.nan - moments.posinf - moments.neginf
    return {
        "of": values.meaning,
        "count": values.count,
        "finite": finite,
        "min": moments.low,
        "max": moments.high,
        "mean": None if finite == 0 else moments.mean(finite),
        "std": None if finite < 2 else moments.std(finite),
        "nan": moments.nan,
        "posinf": moments.posinf,
        "neginf": moments.neginf,
        "zeros": moments.zeros,
    }


def _add_finite_chunk(
    moments: _Moments, exact: torch.Tensor, real: torch.Tensor, integral: bool, low: float, high: float
) -> None:
    if integral:
        exact_low, exact_high = torch.aminmax(exact.reshape(-1))
        moments.add_extremes(int(exact_low), int(exact_high))
    else:
        moments.add_extremes(low, high)
    moments.zeros += real.numel() - int(torch.count_nonzero(real))
    moments.add_deviations_of(real, low, high)


def _add_chunk_with_specials(moments: _Moments, real: torch.Tensor) -> None:
    nan = torch.isnan(real)
    moments.nan += int(nan.sum())
    moments.posinf += int((real == math.inf).sum())
    moments.neginf += int((real == -math.inf).sum())
    moments.zeros += int((real == 0).sum())
    finite = torch.isfinite(real)
    if not bool(finite.any()):
        return
    low = float(torch.where(finite, real, math.inf).min())
    high = float(torch.where(finite, real, -math.inf).max())
    moments.add_extremes(low, high)
    moments.add_deviations_of(real, low, high, finite)


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
    scale = _histogram_scale(low, high, bins)
    for chunk in chunks(values):
        first = (-position) % step
        position += chunk.numel()
        sample = as_real(chunk).reshape(-1)[first::step]
        if sample.numel() == 0:
            continue
        sample = sample.to(torch.float64) if sample.dtype == torch.float64 else sample.float()
        chunk_counts = torch.histc(sample * scale, bins=bins, min=low * scale, max=high * scale)
        counts = chunk_counts if counts is None else counts + chunk_counts
    result = [0] * bins if counts is None else [int(c) for c in counts.tolist()]
    if values.implicit_zeros and low <= 0 <= high:
        zero_bin = min(bins - 1, int((0 - low) / (high - low) * bins))
        result[zero_bin] += round(values.implicit_zeros / step)
    return result


def _histogram_scale(low: float, high: float, bins: int) -> float:
    """1, or a power of two that brings values below 1 where histc's (x - low) * bins would overflow.

    The edges are finite float32 or float64 values; scaling by a power of two keeps the bins exact.
    """
    if (high - low) * bins < torch.finfo(torch.float32).max / 4:
        return 1.0
    return math.ldexp(1.0, -max(_binary_exponent(low), _binary_exponent(high)))


def _count_single_value(values: Values, value: float, step: int) -> int:
    total = 0
    position = 0
    for chunk in chunks(values):
        first = (-position) % step
        position += chunk.numel()
        total += int((as_real(chunk).reshape(-1)[first::step] == value).sum())
    return total + round(values.implicit_zeros / step) * (value == 0)
