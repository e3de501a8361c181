"""Statistics of a tensor small enough to read in one go: a few calls and one read back.

Below ``SMALL`` values a snapshot's cost is its calls and reads back to the host, not the
reading of the values: the chunked path (spans, moments shifted and scaled by powers of two)
takes some twenty calls and reads. Here the values are converted to float64 once. On the CPU
NumPy reads them: a NumPy call costs a fraction of a torch call, and NaN and ±Inf, when the
extremes show any, are counted and left out with a boolean index, a few microseconds there
(a third of the time torch's masked reductions take). On an accelerator their extremes, mean,
std and nonzero count come back in one ``tolist()``, NaN and ±Inf counted and left out in one
more read. float64 gives the exact extremes, and a mean and std within float64's rounding of
torch's own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy
import torch

from torchinspect.tensor.device_statistics import COLUMNS, chunk_figures, needs_scaling, std_of
from torchinspect.tensor.values import WIDENED, Values, as_real, is_integral

SMALL = 1 << 12
"""Values read in one go; above, the chunked path reads them."""


def small_part(values: Values) -> torch.Tensor | None:
    """The flat values if they are few enough to read in one go (one dense part, no implicit zeros), else None."""
    if values.implicit_zeros or len(values.parts) != 1:
        return None
    part = values.parts[0]
    if not 0 < part.numel() <= SMALL or part.dtype in WIDENED:
        return None
    return part.reshape(-1)


def small_statistics(flat: torch.Tensor, dtype: torch.dtype, meaning: str) -> dict[str, Any] | None:
    """The statistics of ``flat`` (from small_part), or None where float64 squares could overflow."""
    real = (as_real(flat) if flat.is_complex() or flat.is_quantized else flat).to(torch.float64)
    on_host = real.device.type == "cpu"
    low, high, mean, std, nonzero, finite, specials = (_host_figures if on_host else _device_figures)(real)
    if finite and needs_scaling(low, high):
        return None
    if is_integral(dtype):  # extremes exact in their own dtype (float64 rounds past 2**53)
        exact = flat.detach().numpy() if on_host else torch.stack(torch.aminmax(flat))
        low, high = (int(value) for value in ((exact.min(), exact.max()) if on_host else exact.tolist()))
    return {
        "of": meaning,
        "count": real.numel(),
        "finite": finite,
        "min": low if finite else None,
        "max": high if finite else None,
        "mean": mean if finite else None,
        "std": std if finite > 1 else None,
        "nan": specials[0],
        "posinf": specials[1],
        "neginf": specials[2],
        "zeros": finite - int(nonzero) if finite else 0,
    }


_Figures = tuple[float, float, float, float, int, int, list[int]]
"""min, max, mean, std, nonzero and finite counts of the finite values, and the NaN, +Inf and -Inf counts."""


def _host_figures(real: torch.Tensor) -> _Figures:
    """The figures of a float64 CPU tensor, read by NumPy.

    Mean and std are numpy.std's two passes (a pairwise sum, then the squared deviations from
    the mean), called directly: numpy.std's own Python wrapper costs more than its reading here.
    """
    values = real.detach().numpy()
    low, high = float(values.min()), float(values.max())  # NaN if there is one
    specials = [0, 0, 0]
    if not (math.isfinite(low) and math.isfinite(high)):
        specials = [
            int(numpy.count_nonzero(found)) for found in (numpy.isnan(values), values == math.inf, values == -math.inf)
        ]
        values = values[numpy.isfinite(values)]
        if values.size == 0:
            return math.nan, math.nan, math.nan, math.nan, 0, 0, specials
        low, high = float(values.min()), float(values.max())
    mean = float(numpy.add.reduce(values)) / values.size
    deviations = values - mean
    std = math.sqrt(float(deviations @ deviations) / (values.size - 1)) if values.size > 1 else math.nan
    return low, high, mean, std, int(numpy.count_nonzero(values)), values.size, specials


def _device_figures(real: torch.Tensor) -> _Figures:
    """The figures of a float64 tensor on an accelerator: one read back, two where NaN or ±Inf are present."""
    low, high, mean, std, nonzero = _figures(real)
    if math.isfinite(low) and math.isfinite(high):
        return low, high, mean, std, int(nonzero), real.numel(), [0, 0, 0]
    # NaN or ±Inf: counted, and the rest measured
    figures = dict(zip(COLUMNS, chunk_figures(real, False)[0].tolist()))
    finite = int(figures["finite"])
    std = std_of(figures["m2"], finite) if finite > 1 else math.nan
    specials = [int(figures[key]) for key in ("nan", "posinf", "neginf")]
    return figures["low"], figures["high"], figures["mean"], std, int(figures["nonzero"]), finite, specials


def _figures(real: torch.Tensor) -> list[float]:
    """min, max, mean, std and the nonzero count of a float64 tensor, in one read back."""
    low, high = torch.aminmax(real)
    if real.numel() > 1:
        std, mean = torch.std_mean(real)
    else:  # one value: no std (torch warns of zero degrees of freedom)
        std, mean = low, low
    return torch.stack([low, high, mean, std, torch.count_nonzero(real).to(real.dtype)]).tolist()
