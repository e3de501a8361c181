"""The steps a watch keeps: at most ``CAPACITY`` columns, whatever the number of steps.

Each column is one recorded step, or, once the columns run out, several: the oldest are never
dropped, every pair of neighbours is merged into one (their losses and statistics averaged by
the steps they hold, their histograms added), and from then on each new column gathers as many
steps as the merged ones hold, so a run of any length reads from its first step to its last at
an even resolution. Missing numbers are NaN (a step without a loss, a
module that did not run).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from torchinspect.training.statistics import ACTIVATION_FIELDS, HISTOGRAM

CAPACITY = 1000
PARAMETER_FIELDS = ("grad_norm", "weight_norm", "update_ratio")


@dataclass
class Column:
    """One recorded step as numbers on the host: see ``History.append``."""

    step: int
    loss: float
    parameters: torch.Tensor  # [P, len(PARAMETER_FIELDS)]
    activations: torch.Tensor  # [M, len(ACTIVATION_FIELDS)]
    activation_histograms: torch.Tensor  # [M, HISTOGRAM]
    gradient_histograms: torch.Tensor  # [M, HISTOGRAM]


class History:
    """Columns of recorded steps for ``parameters`` parameters and ``modules`` modules.

    Example:
        >>> history = History(parameters=1, modules=0, capacity=4)
        >>> for step in range(1, 10):
        ...     history.append(Column(step, float(step), torch.ones(1, 3), torch.ones(0, 7),
        ...                           torch.ones(0, 30), torch.ones(0, 30)))
        >>> history.steps().tolist(), history.spans().tolist(), history.losses().tolist()
        ([1, 5, 9], [4, 4, 1], [2.5, 6.5, 9.0])
        >>> history.steps_per_column
        4
    """

    def __init__(self, *, parameters: int, modules: int, capacity: int = CAPACITY) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError(f"torchinspect: a history's capacity must be an even number ≥ 2, got {capacity}")
        self.capacity = capacity
        self.count = 0
        self.steps_per_column = 1
        self._step = torch.zeros(capacity, dtype=torch.int64)
        self._span = torch.zeros(capacity, dtype=torch.int64)
        self._loss = torch.full((capacity,), float("nan"))
        self._parameters = torch.full((capacity, parameters, len(PARAMETER_FIELDS)), float("nan"))
        self._activations = torch.full((capacity, modules, len(ACTIVATION_FIELDS)), float("nan"))
        self._histograms = torch.zeros((capacity, modules, 2, HISTOGRAM))

    def append(self, column: Column) -> None:
        """Keep one more step: in the last column while it holds fewer than ``steps_per_column``,
        else in a new one, after merging every pair of columns when they are all taken."""
        last = self.count - 1
        if self.count and self._span[last] < self.steps_per_column:
            self._gather(last, column)
            return
        if self.count == self.capacity:
            self._merge_pairs()
        i = self.count
        self._step[i], self._span[i], self._loss[i] = column.step, 1, column.loss
        self._parameters[i] = column.parameters
        self._activations[i] = column.activations
        self._histograms[i, :, 0] = column.activation_histograms
        self._histograms[i, :, 1] = column.gradient_histograms
        self.count += 1

    def steps(self) -> torch.Tensor:
        """The first step of each column."""
        return self._step[: self.count]

    def spans(self) -> torch.Tensor:
        """How many recorded steps each column holds."""
        return self._span[: self.count]

    def losses(self) -> torch.Tensor:
        return self._loss[: self.count]

    def parameters(self) -> torch.Tensor:
        """[columns, parameters, PARAMETER_FIELDS]."""
        return self._parameters[: self.count]

    def activations(self) -> torch.Tensor:
        """[columns, modules, ACTIVATION_FIELDS]."""
        return self._activations[: self.count]

    def histograms(self) -> torch.Tensor:
        """[columns, modules, 2 (activations, gradients), HISTOGRAM] counts."""
        return self._histograms[: self.count]

    def _gather(self, i: int, column: Column) -> None:
        """Fold one step into column ``i``: averages weighted by steps, histograms added."""
        held = float(self._span[i])
        share = 1.0 / (held + 1.0)
        self._loss[i] += (column.loss - self._loss[i]) * share
        self._parameters[i] += (column.parameters - self._parameters[i]) * share
        self._activations[i] += (column.activations - self._activations[i]) * share
        self._histograms[i, :, 0] += column.activation_histograms
        self._histograms[i, :, 1] += column.gradient_histograms
        self._span[i] += 1

    def _merge_pairs(self) -> None:
        half = self.count // 2
        weights = self._span[: self.count].double().reshape(half, 2)
        self._step[:half] = self._step[: self.count : 2].clone()
        self._span[:half] = weights.sum(1).long()
        self._loss[:half] = _weighted(self._loss[: self.count], weights)
        self._parameters[:half] = _weighted(self._parameters[: self.count], weights)
        self._activations[:half] = _weighted(self._activations[: self.count], weights)
        self._histograms[:half] = self._histograms[: self.count].reshape(half, 2, *self._histograms.shape[1:]).sum(1)
        self._loss[half:] = float("nan")
        self.count = half
        self.steps_per_column *= 2


def _weighted(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Neighbouring columns averaged by the steps each holds; NaN where either is NaN."""
    pairs = values.reshape(values.shape[0] // 2, 2, *values.shape[1:]).double()
    shape = (*weights.shape, *([1] * (values.dim() - 1)))
    w = weights.reshape(shape)
    return ((pairs * w).sum(1) / w.sum(1)).to(values.dtype)
