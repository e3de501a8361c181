"""Statistics and histogram of a tensor on an accelerator, read back to the host once.

On a GPU every read back (``item``, ``tolist``, ``cpu``, ``bool``) waits for all the work
queued before it, so the CPU path's decisions per chunk (is this chunk finite? where are its
NaN?) would each stall the device. Here no figure is looked at before the end: every chunk's
NaN and ±Inf are counted and masked whatever they are, each chunk's count, mean and sum of
squared deviations of its finite values are pooled on the device (in float64), and the
histogram's bins are found from extremes that never leave the device. One vector of figures
and counts comes back. The histogram counts every finite value: on a device the passes are
cheap, so nothing is sampled.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch

from torchinspect.tensor.values import Values, as_real, chunks, is_integral

HISTOGRAM_BINS = 64

CHUNKS = 256
"""A tensor is read in about this many chunks (of at least MIN_CHUNK values): each converted
chunk and its masks are float64, so a chunk is kept to a small fraction of the tensor."""
MIN_CHUNK = 1 << 20
# Codes: 0..HISTOGRAM_BINS - 1 the bins, HISTOGRAM_BINS a value at the top edge (the last bin's,
# as torch.histc counts it), one more for NaN and ±Inf, which no bin counts.
_CODES = HISTOGRAM_BINS + 2
_OUTSIDE = float(HISTOGRAM_BINS + 1)
_FLOAT32_MAX = torch.finfo(torch.float32).max
# float64 squares of values past 2**this (summed over many) overflow: the CPU path scales those.
_PLAIN_EXPONENT = 490


def device_statistics_and_histogram(
    values: Values, dtype: torch.dtype
) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The statistics and histogram the CPU path gives, with one read back to the host.

    Returns None where there are no values, and for float64 values beyond 2**490 in magnitude
    (or all below 2**-490), whose squares need the CPU path's scaling.
    """
    integral = is_integral(dtype)
    read = [chunk_figures(chunk, integral) for chunk in _chunks(values)]
    if not read:
        return None
    device = read[0][0].device
    rows = [figures for figures, _ in read]
    if values.implicit_zeros:  # a row of zeros: finite, all zero, mean 0, no spread
        zeros = torch.zeros(len(COLUMNS), dtype=torch.float64, device=device)
        zeros[0] = values.implicit_zeros
        rows.append(zeros)
    pooled = _pooled(torch.stack(rows))
    low, high = pooled[5], pooled[6]
    exact = torch.zeros(2, dtype=torch.int64, device=device)
    if integral:  # integers' extremes exact in int64 (float64 rounds past 2**53)
        extremes = torch.stack([extreme for _, extreme in read if extreme is not None])
        low, high = extremes[:, 0].amin(), extremes[:, 1].amax()
        if values.implicit_zeros:
            low, high = low.clamp(max=0), high.clamp(min=0)
        exact = torch.stack([low, high])
    counts = torch.zeros(_CODES, dtype=torch.int64, device=device)
    for chunk in _chunks(values):
        _add_codes(counts, chunk, low, high, integral)
    if values.implicit_zeros:
        zero = torch.zeros(1, dtype=values.parts[0].dtype, device=device)
        _add_codes(counts, zero, low, high, integral, weight=values.implicit_zeros)
    # The one read back: integers as they are, the float64 figures by their bits.
    numbers = torch.cat([exact, counts, pooled.view(torch.int64)]).tolist()
    figures = dict(zip(COLUMNS, torch.tensor(numbers[2 + _CODES :]).view(torch.float64).tolist()))
    stats = _statistics(figures, numbers[:2] if integral else None, values)
    if stats is None:
        return None
    return stats, _histogram(stats, numbers[2 : 2 + _CODES], integral, values.meaning)


COLUMNS = ("finite", "nan", "posinf", "neginf", "nonzero", "low", "high", "mean", "m2")
"""Each chunk's figures, and the pooled ones: counts, then the finite values' extremes, mean and
sum of squared deviations from it."""


def _chunks(values: Values) -> Iterator[torch.Tensor]:
    size = max(MIN_CHUNK, math.ceil(values.count / CHUNKS))
    return (chunk.reshape(-1) for chunk in chunks(values, size) if chunk.numel())


def chunk_figures(chunk: torch.Tensor, integral: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A chunk's COLUMNS as float64 on its device, and an integer chunk's exact min and max; nothing is read back.

    NaN and ±Inf are counted and left out whether or not there are any, with no boolean indexing.
    """
    real = as_real(chunk).to(torch.float64)
    nan = torch.isnan(real).count_nonzero()
    posinf = (real == math.inf).count_nonzero()
    neginf = (real == -math.inf).count_nonzero()
    finite = real.numel() - nan - posinf - neginf
    clean = real.nan_to_num(0.0, 0.0, 0.0)
    mean = clean.sum() / finite.clamp(min=1)
    deviations = (real - mean).nan_to_num_(0.0, 0.0, 0.0)  # a NaN or ±Inf stays one: masked out
    counts = torch.stack([finite, nan, posinf, neginf, torch.count_nonzero(clean)]).to(torch.float64)
    low = real.nan_to_num(math.inf, math.inf, math.inf).amin()
    high = real.nan_to_num(-math.inf, -math.inf, -math.inf).amax()
    figures = torch.cat([counts, torch.stack([low, high, mean, torch.dot(deviations, deviations)])])
    extremes = torch.stack(torch.aminmax(chunk)).to(torch.int64) if integral else None
    return figures, extremes


def _pooled(rows: torch.Tensor) -> torch.Tensor:
    """The COLUMNS of all the rows together: the counts added, the means and spreads pooled."""
    finite, means = rows[:, 0], rows[:, 7]
    mean = (finite * means).sum() / finite.sum().clamp(min=1)
    spread = rows[:, 8].sum() + (finite * (means - mean) ** 2).sum()
    low, high = rows[:, 5].amin(), rows[:, 6].amax()
    return torch.cat([rows[:, :5].sum(0), torch.stack([low, high, mean, spread])])


def _add_codes(
    counts: torch.Tensor, chunk: torch.Tensor, low: torch.Tensor, high: torch.Tensor, integral: bool, weight: int = 1
) -> None:
    """Add each value's bin code, found as the CPU path (and torch.histc) finds it, to ``counts``."""
    sample = as_real(chunk)
    if integral:  # one bin per value for a short range, else HISTOGRAM_BINS between the extremes
        short = high - low < HISTOGRAM_BINS
        # The edges as float64, as the CPU path takes them (they round past 2**53).
        origin = low.to(torch.float64) - torch.where(short, 0.5, 0.0)
        width = torch.where(short, 1.0, (high.to(torch.float64) - low.to(torch.float64)) / HISTOGRAM_BINS)
        positions = (sample - origin) / width
    else:
        # As histc: (x - low) * bins / (high - low) in the sample's dtype, values and edges first
        # scaled by a power of two where that would overflow.
        exponent = torch.frexp(torch.stack([low, high]))[1].amax()
        scale = torch.where(
            (high - low) * HISTOGRAM_BINS < _FLOAT32_MAX / 4, 1.0, torch.ldexp(torch.ones_like(low), -exponent)
        )
        width = (high * scale - low * scale).to(sample.dtype) / HISTOGRAM_BINS
        positions = (sample * scale.to(sample.dtype) - (low * scale).to(sample.dtype)) / width
    codes = positions.nan_to_num_(_OUTSIDE, _OUTSIDE, _OUTSIDE).to(torch.int64)
    ones = torch.full((1,), weight, dtype=torch.int64, device=counts.device).expand(codes.numel())
    counts.index_add_(0, codes, ones)


def _statistics(figures: dict[str, float], exact: list[int] | None, values: Values) -> dict[str, Any] | None:
    finite = int(figures["finite"])
    low, high = figures["low"], figures["high"]
    if finite and needs_scaling(low, high):
        return None
    if exact is not None:
        low, high = exact
    return {
        "of": values.meaning,
        "count": values.count,
        "finite": finite,
        "min": low if finite else None,
        "max": high if finite else None,
        "mean": figures["mean"] if finite else None,
        "std": std_of(figures["m2"], finite) if finite > 1 else None,
        "nan": int(figures["nan"]),
        "posinf": int(figures["posinf"]),
        "neginf": int(figures["neginf"]),
        "zeros": finite - int(figures["nonzero"]),
    }


def needs_scaling(low: float, high: float) -> bool:
    """Whether float64 squares of values between ``low`` and ``high`` could overflow or underflow."""
    return abs(math.frexp(max(abs(low), abs(high)))[1]) > _PLAIN_EXPONENT


def std_of(spread: float, finite: int) -> float:
    """The std of ``finite`` values from the sum of their squared deviations from their mean."""
    return math.sqrt(max(spread, 0.0) / (finite - 1))


def _histogram(stats: dict[str, Any], codes: list[int], integral: bool, meaning: str) -> dict[str, Any] | None:
    low, high, finite = stats["min"], stats["max"], stats["finite"]
    if finite == 0:
        return None
    if integral and high - low < HISTOGRAM_BINS:
        edges, counts = (low - 0.5, high + 0.5), codes[: high - low + 1]
    elif low == high:
        edges, counts = (low, high), [finite]
    else:
        edges, counts = (low, high), codes[:HISTOGRAM_BINS]
        counts[-1] += codes[HISTOGRAM_BINS]  # a value at the top edge is the last bin's, as in torch.histc
    return {"of": meaning, "lo": edges[0], "hi": edges[1], "counts": counts, "sample_every": 1}
