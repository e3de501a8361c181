"""What a step's hooks reduce on the tensor's own device: a few numbers and a histogram, as one
small float32 tensor each, so that the whole step crosses to the host in one transfer.

Histograms count magnitudes on a fixed log scale (``BIN_EDGES``): the same bins for every
layer and every step, chosen before training starts, so that a steps × bins heatmap compares
steps directly; bin 0 holds exact zeros and every magnitude under 10**-9.5, the last bin
everything from 10**4.5 up, Inf included; NaN is counted apart. A histogram reads at most ``SAMPLE``
elements, evenly strided; the other numbers read every element.
"""

from __future__ import annotations

import math

import torch

LOW_DECADE, HIGH_DECADE = -10, 5
BINS = 2 * (HIGH_DECADE - LOW_DECADE)  # half a decade each
HISTOGRAM = BINS
SAMPLE = 4096
ACTIVATION_FIELDS = ("mean", "std", "zeros", "dead", "nan", "inf")
"""The numbers before the histogram in ``activation_statistics``'s result."""
BIN_EDGES = [0.0] + [10 ** (LOW_DECADE + k / 2) for k in range(1, BINS)] + [math.inf]
"""The magnitude edges of the histogram's bins: [0, 10**-9.5), [10**-9.5, 1e-9), ..., [10**4.5, inf]."""


def activation_statistics(output: torch.Tensor) -> torch.Tensor:
    """Mean, std, share of zeros, share of dead units, NaN count, Inf count, then the histogram.

    A dead unit is a feature (everything past the batch dimension) that is zero for every
    example of the batch: the sign of a ReLU that no longer fires.

    Example:
        >>> values = activation_statistics(torch.tensor([[0.0, 1.0], [0.0, 3.0]]))
        >>> values[:6].tolist()
        [1.0, 1.4142135381698608, 0.5, 0.5, 0.0, 0.0]
    """
    values = output.detach()
    std, mean = (
        torch.std_mean(values.float()) if values.numel() > 1 else (values.float().sum() * 0, values.float().sum())
    )
    zero = values == 0
    dead = zero.reshape(values.shape[0], -1).all(0) if values.dim() >= 2 else zero
    head = torch.stack(
        [mean, std, zero.float().mean(), dead.float().mean(), torch.isnan(values).sum(), torch.isinf(values).sum()]
    ).float()
    return torch.cat([head, magnitude_histogram(values)])


def magnitude_histogram(values: torch.Tensor) -> torch.Tensor:
    """Counts of |values| in the fixed log-scale bins, over a strided sample of at most SAMPLE.

    Example:
        >>> counts = magnitude_histogram(torch.tensor([0.0, 1.0, -1.0, 1e6]))
        >>> counts.sum().item(), counts[0].item(), counts[-1].item()
        (4.0, 1.0, 1.0)
    """
    # Clamped into the outer bins' ranges: zeros into the first, Inf into the last.
    logs = torch.log10(sample(values).float().abs().clamp(10.0**LOW_DECADE, 10.0**HIGH_DECADE))
    return torch.histc(logs, bins=BINS, min=LOW_DECADE, max=HIGH_DECADE)


def sample(values: torch.Tensor) -> torch.Tensor:
    """At most SAMPLE of the values, evenly strided, flat (a view where it can be)."""
    flat = values.detach().reshape(-1)
    return flat if flat.numel() <= SAMPLE else flat[:: -(-flat.numel() // SAMPLE)]


def step_norms(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """The L2 norm of each tensor, in one fused call where torch has one, as float32."""
    if not tensors:
        return []
    return [norm.float() for norm in torch._foreach_norm(tensors)]
