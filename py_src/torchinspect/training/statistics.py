"""What a step's hooks take on the tensor's own device, and the numbers made from it at the
step's end, for every module at once, so that the whole step costs a few operations per module
and crosses to the host in one transfer.

A forward hook keeps, of a module's output, an evenly strided sample of at most ``SAMPLE``
values (strided by features, then by examples), the share of units dead in that sample, and
the sum of every value (a sum is NaN or infinite when any value is). At the step's end,
``activation_rows`` turns the samples of all modules into their mean, std, shares of zeros,
NaN and Inf counts and histograms together: exact for outputs of at most ``SAMPLE`` values.

Histograms count magnitudes on a fixed log scale (``BIN_EDGES``): the same bins for every layer
and every step, chosen before training starts, so that a steps × bins heatmap compares steps
directly; bin 0 holds exact zeros and every magnitude under 10**-9.5, the last bin everything
from 10**4.5 up, Inf included; NaN is counted apart.
"""

from __future__ import annotations

import functools
import math

import torch

LOW_DECADE, HIGH_DECADE = -10, 5
BINS = 2 * (HIGH_DECADE - LOW_DECADE)  # half a decade each
HISTOGRAM = BINS
SAMPLE = 1024
ACTIVATION_FIELDS = ("mean", "std", "zeros", "dead", "nan", "inf", "nonfinite")
"""The numbers before the histogram in each of ``activation_rows``'s rows."""
BIN_EDGES = [0.0] + [10 ** (LOW_DECADE + k / 2) for k in range(1, BINS)] + [math.inf]
"""The magnitude edges of the histogram's bins: [0, 10**-9.5), [10**-9.5, 1e-9), ..., [10**4.5, inf]."""

ActivationSample = tuple[torch.Tensor, int, torch.Tensor]
"""What a forward hook keeps: the sampled [examples, features] values row by row, the number of
features, the sum of all values."""


def activation_sample(output: torch.Tensor) -> ActivationSample:
    """The part of a module's output the step keeps (see the module's docstring): two
    operations, the sample's copy and the sum; everything else is made for all modules at once."""
    values = output.detach()
    units = _unit_sample(values)
    return units.reshape(-1).float(), units.shape[1], values.sum(dtype=torch.float32)


def activation_rows(samples: list[ActivationSample]) -> torch.Tensor:
    """[modules, ACTIVATION_FIELDS + HISTOGRAM], for the samples of every module that ran.

    A dead unit is a feature (everything past the batch dimension) that is zero for every
    example of the batch: the sign of a ReLU that no longer fires.

    Example:
        >>> row = activation_rows([activation_sample(torch.tensor([[0.0, 1.0], [0.0, 3.0]]))])[0]
        >>> row[:7].tolist()
        [1.0, 1.4142135381698608, 0.5, 0.5, 0.0, 0.0, 0.0]
    """
    table, valid, counts = _padded([values for values, _, _ in samples])
    real = torch.where(valid, table, torch.zeros((), device=table.device))
    mean = real.sum(1) / counts
    spread = torch.where(valid, (real - mean[:, None]) ** 2, torch.zeros((), device=table.device))
    std = (spread.sum(1) / (counts - 1)).sqrt()
    zeros = (table.eq(0) & valid).sum(1) / counts
    nan = torch.isnan(table).sum(1) - (table.shape[1] - counts)  # the padding is NaN
    inf = torch.isinf(table).sum(1)
    dead = _dead_shares(table, valid, [features for _, features, _ in samples])
    nonfinite = torch.isfinite(torch.stack([total for _, _, total in samples])).logical_not()
    head = torch.stack([mean, std, zeros, dead, nan, inf, nonfinite], 1).float()
    return torch.cat([head, _histograms(table, valid)], 1)


def histograms(samples: list[torch.Tensor], rows: list[int] | None = None) -> torch.Tensor:
    """[rows, HISTOGRAM] counts of the samples' magnitudes in the fixed bins: a row per sample,
    or the samples of each row counted together where ``rows`` gives each sample's row."""
    rows = list(range(len(samples))) if rows is None else rows
    values = torch.cat([sample.reshape(-1) for sample in samples]).float()
    row_of = _on(values.device, "row_of", tuple(rows), tuple(sample.numel() for sample in samples))
    bins = torch.where(torch.isnan(values), BINS, _bins(values))  # NaN is counted apart
    counts = torch.zeros((max(rows) + 1) * (BINS + 1), device=values.device)
    counts.scatter_add_(0, row_of * (BINS + 1) + bins, torch.ones_like(values))
    return counts.reshape(-1, BINS + 1)[:, :BINS]


def magnitude_histogram(values: torch.Tensor) -> torch.Tensor:
    """Counts of |values| in the fixed log-scale bins, over a strided sample of at most SAMPLE.

    Example:
        >>> counts = magnitude_histogram(torch.tensor([0.0, 1.0, -1.0, 1e6, float("nan")]))
        >>> counts.sum().item(), counts[0].item(), counts[-1].item()
        (4.0, 1.0, 1.0)
    """
    return histograms([sample(values)])[0]


def sample(values: torch.Tensor) -> torch.Tensor:
    """At most SAMPLE of the values, evenly strided, flat (a view where it can be)."""
    flat = values.detach().reshape(-1)
    return flat if flat.numel() <= SAMPLE else flat[:: -(-flat.numel() // SAMPLE)]


def step_norms(tensors: list[torch.Tensor]) -> torch.Tensor:
    """[len(tensors)]: the L2 norm of each tensor, in one fused call where torch has one."""
    return torch.stack(torch._foreach_norm(tensors)) if tensors else torch.zeros(0)


def _unit_sample(values: torch.Tensor) -> torch.Tensor:
    """The values as [examples, features], strided down to at most SAMPLE of them."""
    table = values.reshape(values.shape[0], -1) if values.dim() >= 2 else values.reshape(1, -1)
    rows, columns = table.shape
    row_step = -(-rows // SAMPLE) if rows > SAMPLE else 1
    column_step = max(1, -(-(rows // row_step) * columns // SAMPLE))
    return table[::row_step, ::column_step]


def _padded(samples: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The samples as rows of one table padded with NaN, which entries are real, and how many."""
    device = samples[0].device
    sizes = tuple(s.numel() for s in samples)
    # One concatenation scattered into place: pad_sequence copies the samples one by one.
    table = torch.full((len(samples), max(sizes)), math.nan, device=device)
    table.view(-1)[_on(device, "positions", sizes)] = torch.cat([s.to(device) for s in samples])
    counts = _on(device, "counts", sizes)
    valid = torch.arange(table.shape[1], device=device)[None, :] < counts[:, None]
    return table, valid, counts


@functools.lru_cache(maxsize=16)
def _on(device: torch.device, kind: str, *sizes: tuple[int, ...]) -> torch.Tensor:
    """An index tensor made on the host once per layout, not every step (an upload to an
    accelerator can wait for it): each sample's size (or width), each value's row, or its
    place in a padded table."""
    if kind == "counts":
        return torch.tensor(sizes[0], device=device)
    if kind == "positions":  # where each value goes in a table of a row per sample
        width = max(sizes[0])
        return torch.cat([torch.arange(n) + row * width for row, n in enumerate(sizes[0])]).to(device)
    rows, numels = sizes
    return torch.repeat_interleave(torch.tensor(rows), torch.tensor(numels)).to(device)


def _bins(values: torch.Tensor) -> torch.Tensor:
    """Each value's bin by magnitude (NaN's bin is meaningless)."""
    magnitudes = values.abs().clamp(10.0**LOW_DECADE, 10.0**HIGH_DECADE)
    return ((torch.log10(magnitudes) - LOW_DECADE) * 2).floor().clamp(0, BINS - 1).long()


def _dead_shares(table: torch.Tensor, valid: torch.Tensor, features: list[int]) -> torch.Tensor:
    """Each row's share of features zero in every example, its sample read as [examples, features]."""
    device = table.device
    widths = _on(device, "counts", tuple(features))
    feature = torch.arange(table.shape[1], device=device)[None, :] % widths[:, None]
    live = torch.zeros(table.shape[0], max(features), device=device)  # NaN and Inf are not zero
    live.scatter_add_(1, feature, (table.ne(0) & valid).float())
    alive = ((live > 0).sum(1)).float()
    return 1 - alive / widths


def _histograms(table: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    counted = valid & ~torch.isnan(table)
    index = torch.where(counted, _bins(table), BINS)
    counts = torch.zeros(table.shape[0], BINS + 1, device=table.device)
    counts.scatter_add_(1, index, torch.ones_like(table))
    return counts[:, :BINS]
