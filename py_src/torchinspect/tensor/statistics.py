"""Exact statistics and a histogram of a tensor's values, computed on its device.

One pass over bounded chunks gives min, max, mean and std of the finite values and the
counts of NaN, +Inf, -Inf and zeros; each chunk is small enough to stay in cache while a
handful of reductions read it. min and max propagate NaN and Inf, so a chunk whose extremes
are finite proves there is nothing to count, and most chunks take that path. A chunk with
NaN or Inf has them counted element by element only in its spans of ``SPAN`` elements that
hold them, found by the same reductions (a chunk with specials everywhere is counted whole).
The mean and variance are summed around a shift (the first finite chunk's mean), which
keeps the one-pass variance exact to float rounding even when the mean dwarfs the spread.

The histogram is a second pass: each value's bin is computed as ``torch.histc`` computes it,
``(x - lo) * bins / (hi - lo)``, written as one byte, and the bytes counted with
``torch.bincount``, many times faster than ``histc`` on a CPU; NaN and Inf go to a bin that
is dropped, set there only in the spans where the statistics' pass found them. On the CPU,
NumPy reads a chunk's min, max and zeros, and counts a span's NaN and Inf, in fewer
microseconds than torch's calls. Above ``HISTOGRAM_EXACT_LIMIT`` finite values it counts every p-th run of 64 values.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy
import torch

from torchinspect.tensor import values as values_module
from torchinspect.tensor.device_statistics import device_statistics_and_histogram
from torchinspect.tensor.small_statistics import small_part, small_statistics
from torchinspect.tensor.values import WIDENED, RealReader, Values, as_real, chunks, is_integral

HISTOGRAM_BINS = 64
HISTOGRAM_EXACT_LIMIT = 1 << 24
"""Up to this many finite values the histogram counts every one."""
HISTOGRAM_SAMPLE = 1 << 22
"""Above the limit it counts about this many: every p-th run of SAMPLE_RUN values, p prime (see sample_step)."""
SMALL_SAMPLE = 4096
"""Up to this many values a histogram is counted by ``torch.histc`` in one call (no scratch)."""
SAMPLE_RUN = 64
"""Values counted together in a sampled histogram: 256 bytes of float32, four cache lines."""
BLOCK = 1 << 18
"""Elements read at once (1 MiB of float32): a chunk and its scratch stay in a core's cache."""
SPAN = 1 << 12
"""Elements whose extremes are read together: NaN and Inf are counted one by one only in their spans."""
CONVERTED_SHARE = 8
"""A chunk's scratch (its converted copy: integers to float64, narrow floats to float32; or the
deviations and bin positions of float32 and float64 values) holds at most this fraction of the
values' bytes, so that it stays small beside a tensor of a few MB..."""
MIN_CONVERTED = 1 << 14
"""...though at least this many values: each chunk costs some twenty calls."""
MAX_SPANS = 16
"""Spans with NaN or Inf in one chunk past which the whole chunk is counted at once."""


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
        self.special_slices: list[list[slice]] = []
        """For each chunk in turn, the slices that hold its NaN and ±Inf (empty where it has none)."""
        # One buffer for every chunk's deviations: a fresh allocation (and its page faults)
        # for each chunk costs more than the sums.
        self._scratch: torch.Tensor | None = None

    def add_extremes(self, low: float | int, high: float | int) -> None:
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

    def add_deviations_of(
        self,
        flat: torch.Tensor,
        low: float,
        high: float,
        finite: int,
        specials: list[slice] | None = None,
        *,
        owned: bool = False,
    ) -> None:
        """Add the sums of ``flat - shift`` over its ``finite`` finite values.

        ``low`` and ``high`` bound the finite values. ``specials``, where given, are the
        slices that hold every NaN and Inf: their deviations are set to zero before summing.
        ``owned`` says ``flat`` is a converted copy, which then holds its own deviations.
        """
        if self.shift is None:
            # The NaN and ±Inf set to 0 in the scratch, which the deviations then overwrite: no new copy.
            cleaned = flat if specials is None else torch.nan_to_num(flat, 0.0, 0.0, 0.0, out=self._buffer(flat))
            self.shift = _mean_of(cleaned, low, high, finite)
        unit = _unit(flat.dtype, max(_binary_exponent(low), _binary_exponent(high), _binary_exponent(self.shift)))
        deviations = flat if owned else self._buffer(flat)
        if unit == 0:
            torch.sub(flat, self.shift, out=deviations)
        else:
            torch.mul(flat, math.ldexp(1.0, -unit), out=deviations).sub_(math.ldexp(self.shift, -unit))
        for span in specials or ():
            # A deviation is NaN or ±Inf exactly where the value is.
            deviations[span].nan_to_num_(0.0, 0.0, 0.0)
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

    def _buffer(self, flat: torch.Tensor) -> torch.Tensor:
        scratch = self._scratch
        if scratch is None or scratch.numel() < flat.numel() or scratch.dtype != flat.dtype:
            scratch = self._scratch = torch.empty(flat.numel(), dtype=flat.dtype, device=flat.device)
        return scratch[: flat.numel()]

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


def _mean_of(values: torch.Tensor, low: float, high: float, count: int) -> float:
    """The mean of a chunk's ``count`` finite values (the others zero), scaled where their sum could overflow.

    A small chunk's sum is taken in float64; a large one's in its own dtype, whose pairwise
    sum is close enough for a shift and many times faster.
    """
    dtype = torch.float64 if values.numel() <= 4096 else values.dtype
    unit = _unit(dtype, max(_binary_exponent(low), _binary_exponent(high)))
    if unit == 0:
        return float(values.sum(dtype=dtype)) / count
    return math.ldexp(float((values.to(dtype) * math.ldexp(1.0, -unit)).sum()) / count, unit)


def statistics_and_histogram(values: Values, dtype: torch.dtype) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """statistics() and histogram(): on an accelerator together, with one read back to the host."""
    if any(part.device.type != "cpu" for part in values.parts):
        found = device_statistics_and_histogram(values, dtype)
        if found is not None:
            return found
    if is_integral(dtype) and small_part(values) is None:
        fused = _integral_statistics_and_histogram(values, dtype)
        if fused is not None:
            return fused
    stats, special_slices = _statistics(values, dtype)
    return stats, histogram(values, dtype, stats, special_slices)


FUSED_INTEGER_LIMIT = 1 << 51
"""Integers below this in magnitude are converted once for the statistics and the histogram
together: their differences, and those of the half-integer bin edges, are exact in float64."""


def _integral_statistics_and_histogram(
    values: Values, dtype: torch.dtype
) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """statistics() and histogram() of integers, each chunk converted to float64 once for both.

    A first pass reads the extremes and zeros in the integers' own dtype (no conversion); the
    second converts a chunk, sums its deviations from an integer shift, then turns the same
    deviations into histc's bins (_integral_positions): every deviation is an integer below
    2**52, exact in float64. A sampled histogram (above HISTOGRAM_EXACT_LIMIT values) is
    counted apart, from its sample alone. None where that does not hold (huge values, a sparse
    tensor's implicit zeros, uint64 read as float64, an accelerator): the separate passes do.
    """
    if values.implicit_zeros or any(
        part.device.type != "cpu" or not is_integral(WIDENED.get(part.dtype, part.dtype)) for part in values.parts
    ):
        return None
    block = _block(values)
    low, high, zeros = _integral_extremes(values, block)
    if low is None or high is None or max(-low, high) >= FUSED_INTEGER_LIMIT:
        return None
    sampled = sample_step(values.count) != 1
    stats: dict[str, Any] = {"of": values.meaning, "count": values.count, "finite": values.count, "min": low}
    stats.update(max=high, nan=0, posinf=0, neginf=0, zeros=zeros)
    bins = _integral_bins(low, high)
    moments = _Moments()
    counts: torch.Tensor | None = None
    codes = torch.empty(0, dtype=torch.uint8)
    real = RealReader()
    for chunk in chunks(values, block):
        if chunk.numel() == 0:
            continue
        flat = real(chunk).reshape(-1)
        if moments.shift is None:
            moments.shift = float(round(float(flat.sum()) / flat.numel()))
        shift = moments.shift
        moments._add(float(flat.sub_(shift).sum()), float(torch.dot(flat, flat)), 0)
        if bins.bins > 1 and not sampled:
            if codes.numel() < flat.numel():
                codes = torch.empty(flat.numel(), dtype=torch.uint8)
            _integral_positions(flat, shift, bins)
            found = torch.bincount(as_bytes(flat, codes[: flat.numel()]), minlength=bins.bins + 2)[: bins.bins + 1]
            counts = found if counts is None else counts.add_(found)
    stats["mean"] = moments.mean(values.count)
    stats["std"] = None if values.count < 2 else moments.std(values.count)
    if sampled:
        return stats, histogram(values, dtype, stats)
    histogram_counts = [values.count] if counts is None else bins.fold(counts)
    counted = {"of": values.meaning, "lo": bins.low, "hi": bins.high, "counts": histogram_counts, "sample_every": 1}
    return stats, counted


QUICK_CODES_SPAN = 1 << 32
"""Integer bins narrower in all than this get their codes by one multiplication (see _integral_positions)."""


def _integral_positions(deviations: torch.Tensor, shift: float, bins: _Bins) -> None:
    """Overwrite integers' deviations from ``shift`` with positions whose integer parts are histc's bins.

    histc's position is ``q = (x - low) * bins / span``, a multiple of ``1 / span`` below
    2**52, and its bin ``floor(q)`` (histc's rounding of q never crosses an integer here, the
    step being far above float64's error). Below QUICK_CODES_SPAN ``d * (bins / span) + offset``,
    the offset adding back ``shift - low`` and half a step, lands within a quarter step of
    ``q + 1 / (2 * span)``, whose floor is floor(q); a multiply-add in place of histc's
    division, which costs four times as much. Wider spans take histc's own formula.
    """
    span = bins.high - bins.low
    if span >= QUICK_CODES_SPAN:
        deviations.add_(shift - bins.low).div_(bins._width(single=deviations.dtype == torch.float32))
        return
    ratio = bins.bins / span
    offset = torch.tensor((shift - bins.low) * ratio + 0.5 / span, dtype=deviations.dtype)
    # offset + ratio * d in one pass over the chunk: a multiplication and an addition take two.
    torch.add(offset, deviations, alpha=ratio, out=deviations)


def _integral_extremes(values: Values, block: int) -> tuple[int | None, int | None, int]:
    """The exact min and max of integer values on the CPU, and how many are zero, read in their own dtype.

    NumPy reads them: its integer min and max are vectorized where torch's int64 ``aminmax`` is
    not (16 + 16 against 80 us for 125,000 int64 values, one thread), and it reads a strided
    view as it is.
    """
    low: int | None = None
    high: int | None = None
    zeros = 0
    for chunk in chunks(values, block):
        if chunk.numel() == 0:
            continue
        exact = chunk.detach().numpy()
        chunk_low, chunk_high = int(exact.min()), int(exact.max())
        low = chunk_low if low is None else min(low, chunk_low)
        high = chunk_high if high is None else max(high, chunk_high)
        zeros += exact.size - int(numpy.count_nonzero(exact))
    return low, high, zeros


def _integral_bins(low: int, high: int) -> _Bins:
    """histogram()'s bins for integers from ``low`` to ``high``: one per value for a short range."""
    if high - low < HISTOGRAM_BINS:
        return _Bins(low - 0.5, high + 0.5, high - low + 1)
    return _Bins(low, high, HISTOGRAM_BINS)


def statistics(values: Values, dtype: torch.dtype) -> dict[str, Any]:
    """min, max, mean and std of the finite values, and the counts that matter, exactly."""
    return _statistics(values, dtype)[0]


def _statistics(values: Values, dtype: torch.dtype) -> tuple[dict[str, Any], list[list[slice]] | None]:
    """statistics(), and for each chunk of floats the slices that hold its NaN and ±Inf (None if not chunked)."""
    small = small_part(values)
    if small is not None:
        stats = small_statistics(small, dtype, values.meaning)
        if stats is not None:
            return stats, None
    moments = _Moments()
    integral = is_integral(dtype)
    real = RealReader()
    for chunk in chunks(values, _block(values)):
        if chunk.numel() == 0:
            moments.special_slices.append([])
            continue
        if integral:
            _add_integral_chunk(moments, chunk, real)
        else:
            flat = real(chunk).reshape(-1)
            _add_float_chunk(moments, flat, owned=flat.dtype != chunk.dtype)
    if values.implicit_zeros:
        moments.zeros += values.implicit_zeros
        moments.add_extremes(*(0, 0) if integral else (0.0, 0.0))
        moments.add_zeros(values.implicit_zeros)
    finite = values.count - moments.nan - moments.posinf - moments.neginf
    stats = {
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
    return stats, None if integral else moments.special_slices


def _block(values: Values) -> int:
    """Elements per chunk: BLOCK on a CPU (or less where the values module's CHUNK is set lower),
    less where the values are few, so that a chunk's scratch stays a small share of them (see
    CONVERTED_SHARE).

    On an accelerator each chunk costs a few reads back to the host (a synchronization each)
    and a kernel launch per reduction, while its caches matter little: there a chunk is a
    sixteenth of the tensor, so a snapshot synchronizes a bounded number of times and its
    scratch stays under a tenth of the tensor.
    """
    block = min(BLOCK, values_module.CHUNK)
    # Each chunk's scratch is float64 for integers and float64 values, float32 for the others.
    widest = max(
        (8 if is_integral(part.dtype) or part.dtype == torch.float64 else 4 for part in values.parts), default=4
    )
    nbytes = sum(part.numel() * part.element_size() for part in values.parts)
    block = min(block, max(MIN_CONVERTED, nbytes // (CONVERTED_SHARE * widest)))
    if any(part.device.type != "cpu" for part in values.parts):
        return max(block, math.ceil(values.count / 16))
    return block


def _add_integral_chunk(moments: _Moments, chunk: torch.Tensor, as_real: RealReader) -> None:
    """Integers and bool: extremes exact in their own dtype, sums in float64 (exact below 2**53)."""
    exact = chunk.reshape(-1)
    low, high = (int(value) for value in torch.stack(torch.aminmax(exact)).tolist())
    moments.add_extremes(low, high)
    moments.zeros += exact.numel() - int(torch.count_nonzero(exact))
    real = as_real(exact)
    moments.add_deviations_of(real, float(low), float(high), real.numel(), owned=True)


def _add_float_chunk(moments: _Moments, flat: torch.Tensor, *, owned: bool) -> None:
    # NaN and ±Inf are not zero: every zero is a finite zero.
    moments.zeros += _zeros(flat)
    if flat.device.type == "cpu":
        # NumPy's min and max (which propagate NaN) in two calls: most chunks are finite, and
        # then their spans are not needed.
        array = flat.detach().numpy()
        low, high = float(array.min()), float(array.max())
        if math.isfinite(low) and math.isfinite(high):
            moments.special_slices.append([])
            moments.add_extremes(low, high)
            moments.add_deviations_of(flat, low, high, flat.numel(), owned=owned)
            return
    spans, lows, highs = _span_extremes(flat)
    # A sum is finite unless an extreme is NaN or ±Inf (or the sum overflows: then the spans say).
    if math.isfinite(sum(lows) + sum(highs)):
        moments.special_slices.append([])
        low, high = min(lows), max(highs)
        moments.add_extremes(low, high)
        moments.add_deviations_of(flat, low, high, flat.numel(), owned=owned)
        return
    finite_spans = {index for index, extremes in enumerate(zip(lows, highs)) if all(map(math.isfinite, extremes))}
    clean = [(lows[index], highs[index]) for index in sorted(finite_spans)]
    specials = [span for index, span in enumerate(spans) if index not in finite_spans]
    if len(specials) > MAX_SPANS:
        clean, specials = [], [slice(0, flat.numel())]
    moments.special_slices.append(specials)
    counted = [_count_specials(moments, flat[span]) for span in specials]
    finite = flat.numel() - sum(count for count, _, _ in counted)
    if finite == 0:
        return
    low = min([extremes[0] for extremes in clean] + [span_low for _, span_low, _ in counted])
    high = max([extremes[1] for extremes in clean] + [span_high for _, _, span_high in counted])
    moments.add_extremes(low, high)
    moments.add_deviations_of(flat, low, high, finite, specials, owned=owned)


_NEGATIVE_ZERO_BITS = -(2**31)
"""-0.0's bits read as an int32: the smallest int32, and the smallest of any float32's bits."""


def _zeros(flat: torch.Tensor) -> int:
    """How many values are zero (+0.0 or -0.0).

    float32 values are counted by their bits, as int32: counting nonzero integers runs about
    2.5 times faster than counting nonzero floats. +0.0 is the only float32 whose bits are 0;
    -0.0 is counted apart, only where the smallest of the bits says there is one.
    """
    if flat.dtype != torch.float32:
        return flat.numel() - int(torch.count_nonzero(flat))
    bits = flat.view(torch.int32)
    if bits.device.type == "cpu":  # NumPy counts nonzero int32 twice as fast as torch (13 against 28 us per 2**17)
        array = bits.detach().numpy()
        zeros = array.size - int(numpy.count_nonzero(array))
        if int(array.min()) == _NEGATIVE_ZERO_BITS:
            zeros += int(numpy.count_nonzero(array == _NEGATIVE_ZERO_BITS))
        return zeros
    zeros = flat.numel() - int(torch.count_nonzero(bits))
    if int(bits.amin()) == _NEGATIVE_ZERO_BITS:
        zeros += int(torch.count_nonzero(bits == _NEGATIVE_ZERO_BITS))
    return zeros


def _span_extremes(flat: torch.Tensor) -> tuple[list[slice], list[float], list[float]]:
    """The spans of SPAN elements of a contiguous ``flat`` (the last one shorter), and each one's min and max.

    Two reductions along the spans read the chunk once, each as fast as a whole ``amin``, and
    say where any NaN or Inf is: min and max propagate them.
    """
    whole = flat.numel() // SPAN * SPAN
    spans = [slice(start, start + SPAN) for start in range(0, whole, SPAN)]
    lows: list[float] = []
    highs: list[float] = []
    if whole:
        rows = flat[:whole].view(-1, SPAN)
        lows, highs = rows.amin(dim=1).tolist(), rows.amax(dim=1).tolist()
    if whole < flat.numel():
        spans.append(slice(whole, flat.numel()))
        # One call for both: below SPAN elements the call, not the reading, is the cost.
        low, high = torch.aminmax(flat[whole:] if whole else flat)
        lows.append(float(low))
        highs.append(float(high))
    return spans, lows, highs


def _count_specials(moments: _Moments, part: torch.Tensor) -> tuple[int, float, float]:
    """Count the NaN and ±Inf of ``part``; return how many, and the extremes of its finite values."""
    if part.device.type == "cpu":
        return _count_host_specials(moments, part.detach().numpy())
    nan = int(torch.count_nonzero(torch.isnan(part)))
    posinf = int(torch.count_nonzero(torch.isposinf(part)))
    neginf = int(torch.count_nonzero(torch.isneginf(part)))
    moments.nan, moments.posinf, moments.neginf = moments.nan + nan, moments.posinf + posinf, moments.neginf + neginf
    specials = nan + posinf + neginf
    if specials == part.numel():
        return specials, math.inf, -math.inf
    low = float(torch.nan_to_num(part, math.inf, math.inf, math.inf).min())
    high = float(torch.nan_to_num(part, -math.inf, -math.inf, -math.inf).max())
    return specials, low, high


def _count_host_specials(moments: _Moments, part: numpy.ndarray) -> tuple[int, float, float]:
    """_count_specials by NumPy, whose calls cost a microsecond where torch's cost several."""
    finite = numpy.isfinite(part)
    specials = part.size - int(numpy.count_nonzero(finite))
    nan = int(numpy.count_nonzero(numpy.isnan(part)))
    posinf = int(numpy.count_nonzero(part == math.inf))
    moments.nan, moments.posinf = moments.nan + nan, moments.posinf + posinf
    moments.neginf += specials - nan - posinf
    if specials == part.size:
        return specials, math.inf, -math.inf
    kept = part[finite]
    return specials, float(kept.min()), float(kept.max())


def histogram(
    values: Values, dtype: torch.dtype, stats: dict[str, Any], special_slices: list[list[slice]] | None = None
) -> dict[str, Any] | None:
    """Counts of the finite values in equal bins between their min and max.

    Integer and bool tensors with at most HISTOGRAM_BINS distinct possible values get one bin
    per value. Returns None when there is no finite value to count. ``special_slices``, from
    _statistics, say where each chunk's NaN and ±Inf are, so that only there are they set
    aside; without them every chunk is searched.
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
    small = small_part(values)
    if bins == 1:
        counts = [finite] if step == 1 else [_count_single_value(values, low, step)]
    elif small is not None:
        counts = _Bins(edge_low, edge_high, bins).counts(as_real(small))
    else:
        with_specials = stats["nan"] + stats["posinf"] + stats["neginf"] > 0
        owned = all(part.dtype not in (torch.float32, torch.float64) for part in values.parts)
        where = _special_slices(with_specials, step, special_slices)
        counts = _count(values, _Bins(edge_low, edge_high, bins), step, where, owned)
    return {
        "of": values.meaning,
        "lo": edge_low,
        "hi": edge_high,
        "counts": counts,
        "sample_every": step,
    }


_EVERYWHERE = [slice(None)]
_NOWHERE: list[slice] = []


def _special_slices(with_specials: bool, step: int, known: list[list[slice]] | None) -> Callable[[int], list[slice]]:
    """For the i-th sample, the slices that may hold NaN or ±Inf: those _statistics found in
    its chunk where each sample is a chunk, else the whole sample."""
    if not with_specials:
        return lambda index: _NOWHERE
    if step != 1 or known is None:
        return lambda index: _EVERYWHERE
    return known.__getitem__


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


class _Bins:
    """Equal bins from ``low`` to ``high``, each value's bin found as ``torch.histc`` finds it.

    Bin codes are bytes: ``bins`` itself is a value equal to ``high`` (histc counts it in the
    last bin) and ``bins + 1`` a NaN or ±Inf, which no bin counts.
    """

    def __init__(self, low: float, high: float, bins: int) -> None:
        self.bins = bins
        self.low, self.high = low, high
        # histc computes (x - low) * bins / (high - low); where high - low would overflow, values
        # and edges are first scaled by a power of two, which keeps every bin the same.
        self.scale = _histogram_scale(low, high, bins)

    def codes(
        self, sample: torch.Tensor, scratch: torch.Tensor, out: torch.Tensor, specials: list[slice]
    ) -> torch.Tensor:
        """Each value's bin as a byte, in ``out``; ``scratch`` holds the positions, in the sample's dtype.

        ``specials`` are the slices (of the first dimension) that hold every NaN and ±Inf.
        """
        low = self.low * self.scale
        if self.scale == 1.0:
            torch.sub(sample, low, out=scratch)
        else:
            torch.mul(sample, self.scale, out=scratch).sub_(low)
        scratch.div_(self._width(single=sample.dtype == torch.float32))
        for where in specials:
            scratch[where].nan_to_num_(self.bins + 1, self.bins + 1, self.bins + 1)
        return as_bytes(scratch, out)

    def histc(self, sample: torch.Tensor) -> torch.Tensor:
        """The codes' counts of a small sample, from ``torch.histc`` itself (one call, where the
        codes take five); its last bin, holding the values at ``high``, is followed by a 0."""
        scaled = sample if self.scale == 1.0 else sample * self.scale
        found = torch.histc(scaled, self.bins, self.low * self.scale, self.high * self.scale)
        return torch.constant_pad_nd(found.to(torch.int64), (0, 1))

    def counts(self, sample: torch.Tensor) -> list[int]:
        """The bins' counts of a small sample (NaN and ±Inf left out): on the CPU from the codes,
        found by NumPy in a few microseconds; elsewhere from ``torch.histc`` in one read."""
        if sample.device.type == "cpu":
            return self._host_counts(sample.detach().numpy())
        scaled = sample if self.scale == 1.0 else sample * self.scale
        found = torch.histc(scaled, self.bins, self.low * self.scale, self.high * self.scale)
        return [int(count) for count in found.tolist()]

    def _host_counts(self, sample: numpy.ndarray) -> list[int]:
        """codes() with NumPy's operations, in the sample's dtype as torch's are, and their counts."""
        kind = sample.dtype.type
        if self.scale == 1.0:
            positions = sample - kind(self.low)
        else:
            positions = sample * kind(self.scale) - kind(self.low * self.scale)
        positions /= kind(self._width(single=kind is numpy.float32))
        numpy.nan_to_num(positions, copy=False, nan=self.bins + 1, posinf=self.bins + 1, neginf=self.bins + 1)
        return self.fold(numpy.bincount(positions.astype(numpy.uint8), minlength=self.bins + 2)[: self.bins + 1])

    def fold(self, counts: torch.Tensor | numpy.ndarray) -> list[int]:
        """Counts of the codes (up to ``bins``) as the bins' counts: a value at ``high`` in the last bin."""
        result = counts.tolist()
        result[self.bins - 1] += result.pop()
        return result

    def _width(self, *, single: bool) -> float:
        """(high - low) / bins as histc rounds it in the sample's dtype, float32 if ``single``; the division
        is exact for a power-of-two bin count, so (x - low) / width rounds as (x - low) * bins / (high - low)."""
        difference = self.high * self.scale - self.low * self.scale
        if single:
            difference = struct.unpack("f", struct.pack("f", difference))[0]
        return difference / self.bins


def as_bytes(positions: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """``out`` (uint8, the shape of ``positions``) holding the positions' integer parts, 0 to 255.

    On the CPU NumPy casts: its float-to-byte cast runs about three times faster than torch's
    (45 against 143 us for 2**18 float32 values, one thread), which was a quarter of the histogram.
    """
    if positions.device.type != "cpu":
        return out.copy_(positions)
    numpy.copyto(out.numpy(), positions.numpy(), casting="unsafe")
    return out


def _count(values: Values, bins: _Bins, step: int, specials: Callable[[int], list[slice]], owned: bool) -> list[int]:
    """The bins' counts of the sampled values; ``owned`` says each sample is a converted copy, free to overwrite."""
    counts: torch.Tensor | None = None
    scratch = codes = torch.empty(0)
    for index, sample in enumerate(_samples(values, step)):
        size = sample.numel()
        if size <= SMALL_SAMPLE:
            found = bins.histc(sample)
        else:
            if codes.numel() < size or codes.device != sample.device:
                codes = torch.empty(size, dtype=torch.uint8, device=sample.device)
            if owned:  # a converted copy holds its own positions
                positions = sample
            else:
                if scratch.numel() < size or scratch.dtype != sample.dtype or scratch.device != sample.device:
                    scratch = torch.empty(size, dtype=sample.dtype, device=sample.device)
                positions = scratch[:size].view(sample.shape)
            bins.codes(sample, positions, codes[:size].view(sample.shape), specials(index))
            found = torch.bincount(codes[:size], minlength=bins.bins + 2)[: bins.bins + 1]
        counts = found if counts is None else counts.add_(found)
    result = [0] * bins.bins if counts is None else bins.fold(counts)
    if values.implicit_zeros and bins.low <= 0 <= bins.high:
        zero = torch.zeros(1, dtype=torch.float64)
        code = bins.codes(zero, torch.empty_like(zero), torch.empty(1, dtype=torch.uint8), _NOWHERE)
        result[min(bins.bins - 1, int(code))] += round(values.implicit_zeros / step)
    return result


def _samples(values: Values, step: int) -> Iterator[torch.Tensor]:
    """The stored values (counting across chunks) in every ``step``-th run of SAMPLE_RUN, as real tensors.

    Runs rather than single values: a sample of every p-th value reads every cache line of the
    tensor, a sample of every p-th run reads one line in p.
    """
    period = step * SAMPLE_RUN
    position = 0
    whole, sampled = RealReader(), RealReader()
    for chunk in chunks(values, _block(values)):
        if step == 1:
            yield whole(chunk).reshape(-1)
            continue
        # A contiguous chunk of integers or narrow floats has only its sampled runs converted.
        plain = chunk.is_contiguous() and not (chunk.is_quantized or chunk.is_complex())
        flat = chunk.reshape(-1) if plain else whole(chunk).reshape(-1)
        size = flat.numel()
        first = (-position) % period  # where the first sampled run starting in this chunk starts
        position += size
        if first > period - SAMPLE_RUN:  # the run that started in the chunk before ends in this one
            yield sampled(flat[: first - period + SAMPLE_RUN])
        runs = max(0, size - first) // period
        if runs:
            yield sampled(flat[first : first + runs * period].view(runs, period)[:, :SAMPLE_RUN])
        last = first + runs * period
        if last < size:
            yield sampled(flat[last : last + SAMPLE_RUN])


def _histogram_scale(low: float, high: float, bins: int) -> float:
    """1, or a power of two that brings values below 1 where histc's (x - low) * bins would overflow.

    The edges are finite float32 or float64 values; scaling by a power of two keeps the bins exact.
    """
    if (high - low) * bins < torch.finfo(torch.float32).max / 4:
        return 1.0
    return math.ldexp(1.0, -max(_binary_exponent(low), _binary_exponent(high)))


def _count_single_value(values: Values, value: float, step: int) -> int:
    total = sum(int((sample == value).sum()) for sample in _samples(values, step))
    return total + round(values.implicit_zeros / step) * (value == 0)
