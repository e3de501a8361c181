"""What a step's hooks take on the tensor's own device, and the numbers made from it when the
recorded steps are read, for every module of several steps at once, so that a step costs a few
operations per module and crosses to the host with the others in one transfer.

A forward hook keeps, of a module's output, an evenly strided sample of at most ``SAMPLE``
values (strided by features, then by examples) and the sum of every value (a sum is NaN or
infinite when any value is). ``activation_rows`` turns samples of one shape, however many
modules and steps they come from, into their mean, std, shares of zeros and of dead units,
NaN and Inf counts and histograms: exact for outputs of at most ``SAMPLE`` values.

Histograms count magnitudes on a fixed log scale (``BIN_EDGES``): the same bins for every layer
and every step, chosen before training starts, so that a steps × bins heatmap compares steps
directly; bin 0 holds exact zeros and every magnitude under 10**-9.5, the last bin everything
from 10**4.5 up, Inf included; NaN is counted apart.
"""

from __future__ import annotations

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
_TOP = 10.0 ** (HIGH_DECADE - 0.25)
"""A magnitude in the middle of the last bin: those over it are counted as it is."""


def sample_places(shape: torch.Size, device: torch.device) -> torch.Tensor:
    """Where, in an output of ``shape`` read flat in its logical order (as ``torch.take`` reads
    it), an evenly strided sample of at most SAMPLE values lies, as [examples, features]:
    strided by features, then by examples.

    Example:
        >>> sample_places(torch.Size([2, 3, 1024]), torch.device("cpu"))[:, :4]
        tensor([[   0,    6,   12,   18],
                [3072, 3078, 3084, 3090]])
    """
    rows = shape[0] if len(shape) >= 2 else 1
    columns = math.prod(shape) // max(rows, 1)
    row_step = -(-rows // SAMPLE) if rows > SAMPLE else 1
    column_step = max(1, -(-(rows // row_step) * columns // SAMPLE))
    starts = torch.arange(0, rows, row_step, device=device) * columns
    return starts[:, None] + torch.arange(0, columns, column_step, device=device)


def activation_rows(samples: torch.Tensor, totals: torch.Tensor) -> torch.Tensor:
    """[rows, ACTIVATION_FIELDS + HISTOGRAM] for ``samples`` [rows, examples, features] (float32,
    each row one module's sample (``sample_places``) in one step) and ``totals`` [rows], the sums of the
    whole outputs.

    A dead unit is a feature that is zero for every example of the batch: the sign of a ReLU
    that no longer fires. NaN is not zero.

    Example:
        >>> row = activation_rows(torch.tensor([[[0.0, 1.0], [0.0, 3.0]]]), torch.tensor([4.0]))[0]
        >>> row[:7].tolist()
        [1.0, 1.4142135381698608, 0.5, 0.5, 0.0, 0.0, 0.0]
    """
    rows, examples, features = samples.shape
    count = examples * features
    flat = samples.reshape(rows, count)
    mean = flat.sum(1) / count
    # One table the samples' size holds the squared deviations, the zeros and the magnitudes in
    # turn: each new one costs the host a page fault per 4 KiB, nearly as long as the pass.
    scratch = flat - mean[:, None]
    squares = scratch.mul_(scratch).sum(1)  # what vecdot does, without a table of its own
    std = (squares / (count - 1)).sqrt() if count > 1 else mean * math.nan
    # Comparisons write floats: into a bool tensor they take four times as long on the host.
    zeros = _count(torch.eq(flat, 0, out=scratch)) / count
    magnitudes = torch.abs(flat, out=scratch)
    # A unit is alive where its largest magnitude is not 0 (NaN is not).
    alive = _count(magnitudes.reshape(rows, examples, features).amax(1).ne_(0))
    dead = 1 - alive / features
    finite = flat.device.type == "cpu" and math.isfinite(mean.sum().item())
    if finite:
        # A finite sum has no NaN or Inf among its terms: no pass to count them or to move NaN
        # out of the histogram (on the host only, where the test costs no synchronisation).
        nan = inf = torch.zeros(rows, device=flat.device)
    else:
        nan, inf = torch.isnan(flat).sum(1), torch.isinf(flat).sum(1)
    nonfinite = (totals * 0).ne_(0)  # Inf and NaN times 0 are NaN: two operations, isfinite's are four
    head = torch.stack([mean, std, zeros, dead, nan, inf, nonfinite], 1).float()
    index = torch.arange(rows, dtype=torch.int32, device=flat.device)[:, None]
    counted = _histograms(magnitudes.float(), index, rows, nan=not finite)
    return torch.cat([head, counted], 1)


def histograms(values: torch.Tensor, rows: torch.Tensor, count: int) -> torch.Tensor:
    """[count, HISTOGRAM] counts of the values' magnitudes in the fixed bins, each value counted
    in the row that ``rows`` (broadcast to the values' shape) gives it."""
    return _histograms(values.float().abs(), rows, count, nan=True)


def magnitude_histogram(values: torch.Tensor) -> torch.Tensor:
    """Counts of |values| in the fixed log-scale bins, over a strided sample of at most SAMPLE.

    Example:
        >>> counts = magnitude_histogram(torch.tensor([0.0, 1.0, -1.0, 1e6, float("nan")]))
        >>> counts.sum().item(), counts[0].item(), counts[-1].item()
        (4.0, 1.0, 1.0)
    """
    values = sample(values)
    return histograms(values, torch.zeros((), dtype=torch.long, device=values.device), 1)[0]


def sample(values: torch.Tensor) -> torch.Tensor:
    """At most SAMPLE of the values, evenly strided, flat (a view where it can be)."""
    flat = values.detach().reshape(-1)
    return flat if flat.numel() <= SAMPLE else flat[:: -(-flat.numel() // SAMPLE)]


def step_norms(tensors: list[torch.Tensor]) -> torch.Tensor:
    """[len(tensors)]: the L2 norm of each tensor, in one fused call where torch has one."""
    return torch.stack(torch._foreach_norm(tensors)) if tensors else torch.zeros(0)


def _count(flags: torch.Tensor) -> torch.Tensor:
    """[rows]: how many of each row's ``flags`` (floats, 0 or 1) are 1, as integers: summed in
    float32, exact to 2**24 and a third of the time of an integer sum."""
    return flags.sum(1, dtype=torch.float32).long()


def _histograms(magnitudes: torch.Tensor, rows: torch.Tensor, count: int, nan: bool) -> torch.Tensor:
    """``histograms`` of float32 ``magnitudes``, which it overwrites; ``nan``: whether any may be NaN."""
    bins = _bins(magnitudes)
    if nan:
        bins.nan_to_num_(nan=BINS)  # counted apart
    if count * (BINS + 1) <= torch.iinfo(torch.int32).max:
        # 32-bit indices, where they fit, take a third of the time of 64-bit ones in the add and
        # bincount; each takes the place of its float, which spares a new table and its page faults.
        index = bins.view(torch.int32).copy_(bins).add_(rows.to(torch.int32), alpha=BINS + 1)
    else:
        index = bins.long().add_(rows, alpha=BINS + 1)
    counted = torch.bincount(index.reshape(-1), minlength=count * (BINS + 1))
    return counted.reshape(count, BINS + 1)[:, :BINS].float()


def _bins(magnitudes: torch.Tensor) -> torch.Tensor:
    """Each magnitude's bin, in place, as floats to be truncated to integers (the floor: those
    under 0 are over -1), NaN's NaN. The clamp spares log10 zeros and Inf (ten times as slow as
    other values), and clamped at ``_TOP`` no number reaches BINS: no clamp after the log."""
    return magnitudes.clamp_(10.0**LOW_DECADE, _TOP).log10_().sub_(LOW_DECADE).mul_(2)
