"""The recorded steps not read yet: their numbers stay on the device, in tables kept from one
read to the next, until several steps are read together, in one transfer.

A forward hook copies its output's sample into the next free row of the table for samples of
that shape, so that reading turns the samples of every module of every pending step into
statistics with a few operations per shape (``activation_rows``), whatever the number of
modules and steps; the gradients' samples go the same way, a row per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from torchinspect.training.history import PARAMETER_FIELDS, Column
from torchinspect.training.statistics import (
    ACTIVATION_FIELDS,
    HISTOGRAM,
    activation_rows,
    histograms,
    sample,
    step_norms,
    unit_sample,
)


@dataclass
class PendingStep:
    """A recorded step while its numbers are still on the device."""

    step: int
    position: int
    """Its place among the pending steps: the rows of the tables it owns say it."""
    loss: torch.Tensor | None = None
    modules: set[int] = field(default_factory=set)
    """The modules whose output has a row in the sample tables."""
    graded: list[int] = field(default_factory=list)
    grad_norms: torch.Tensor | None = None
    weight_norms: torch.Tensor | None = None
    update_norms: torch.Tensor | None = None


class _Rows:
    """Rows of one shape, each owned by a pending step; the storage is kept and grows by doubling."""

    def __init__(self, shape: torch.Size, device: torch.device) -> None:
        self.shape = shape
        self._storage = torch.empty(8, *shape, device=device)  # each row in its shape: no view per row
        self.owners: list[int] = []  # each row's step position
        self.extras: list[tuple[int, torch.Tensor | None]] = []  # each row's module and whole-output sum

    def take(self, position: int, module: int = -1, total: torch.Tensor | None = None) -> torch.Tensor:
        taken = len(self.owners)
        if taken == self._storage.shape[0]:
            grown = self._storage.new_empty(2 * taken, *self.shape)
            grown[:taken] = self._storage
            self._storage = grown
        self.owners.append(position)
        self.extras.append((module, total))
        return self._storage[taken]

    def read(self, steps: int) -> tuple[torch.Tensor, list[int], list[tuple[int, torch.Tensor | None]]]:
        """The rows of the first ``steps`` pending steps (they come first), then forget them: the
        rows of a later step still open move to the front."""
        read = sum(1 for owner in self.owners if owner < steps)
        rows = self._storage[:read].clone() if read < len(self.owners) else self._storage[:read]
        owners, extras = self.owners[:read], self.extras[:read]
        kept = len(self.owners) - read
        if kept:
            self._storage[:kept] = self._storage[read : read + kept].clone()
        self.owners = [owner - steps for owner in self.owners[read:]]
        self.extras = self.extras[read:]
        return rows, owners, extras


class Pending:
    """The pending steps of a model with ``parameters`` parameters and ``modules`` watched modules;
    ``owner[i]`` is the watched module holding parameter ``i`` (its gradient histogram's row)."""

    def __init__(self, parameters: int, modules: int, owner: list[int | None]) -> None:
        self.parameters = parameters
        self.modules = modules
        self._owner = owner
        self.steps: list[PendingStep] = []
        self._samples: dict[tuple[torch.Size, torch.device], _Rows] = {}
        self._layouts: dict[tuple[torch.Size, torch.device], tuple[torch.Size, tuple[int, ...], _Rows]] = {}
        """Per shape of a contiguous output: its sample's shape and strides, and its table."""
        self._gradients: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[_Rows, torch.Tensor]] = {}

    def open(self, step: int) -> PendingStep:
        opened = PendingStep(step=step, position=len(self.steps))
        self.steps.append(opened)
        return opened

    def add_output(self, step: PendingStep, module: int, output: torch.Tensor) -> None:
        """Copy the output's sample into its table and keep its sum: two operations (the sample's
        place in a contiguous output of a shape seen before is known)."""
        contiguous = output.is_contiguous()
        known = self._layouts.get((output.shape, output.device)) if contiguous else None
        if known is None:
            units = unit_sample(output)
            table = self._samples.get((units.shape, output.device))
            if table is None:
                table = self._samples[(units.shape, output.device)] = _Rows(units.shape, output.device)
            if contiguous:
                self._layouts[(output.shape, output.device)] = (units.shape, units.stride(), table)
        else:
            shape, strides, table = known
            units = output.as_strided(shape, strides, output.storage_offset())
        total = output.sum(dtype=torch.float32)
        table.take(step.position, module, total).copy_(units)
        step.modules.add(module)

    def add_gradients(
        self, step: PendingStep, gradients: list[tuple[int, torch.Tensor]], norms: torch.Tensor | None = None
    ) -> None:
        """Each gradient's norm (``norms`` where they were taken already), and the samples of
        those a watched module holds, in one row."""
        step.graded = [i for i, _ in gradients]
        step.grad_norms = step_norms([grad for _, grad in gradients]) if norms is None else norms
        owner = self._owner
        owned = [(i, sample(grad)) for i, grad in gradients if owner[i] is not None]
        if not owned:
            return
        key = (tuple(i for i, _ in owned), tuple(values.numel() for _, values in owned))
        if key not in self._gradients:
            device = owned[0][1].device
            rows_of = torch.repeat_interleave(torch.tensor([self._owner[i] for i in key[0]]), torch.tensor(key[1]))
            self._gradients[key] = (_Rows(torch.Size([sum(key[1])]), device), rows_of.to(device))
        table, _ = self._gradients[key]
        row = table.take(step.position)
        samples = [values for _, values in owned]
        try:
            torch.cat(samples, out=row)  # cast to float32 on the way
        except RuntimeError:  # gradients on several devices
            row.copy_(torch.cat([values.to(row.device) for values in samples]))

    def read(self, count: int) -> list[Column]:
        """The first ``count`` pending steps as columns on the host, forgotten here."""
        steps, self.steps = self.steps[:count], self.steps[count:]
        for later in self.steps:
            later.position -= count
        modules = self.modules
        read: list[torch.Tensor] = []
        places: list[tuple[str, list[int], list[int]]] = []
        for table in self._samples.values():
            if table.owners and table.owners[0] < count:
                rows, owners, extras = table.read(count)
                totals = torch.stack([total.to(rows.device) for _, total in extras if total is not None])
                read.append(activation_rows(rows, totals))
                places.append(("activation", owners, [module for module, _ in extras]))
        for table, rows_of in self._gradients.values():
            if table.owners and table.owners[0] < count:
                rows, owners, _ = table.read(count)
                index = torch.tensor(owners, device=rows.device)[:, None] * modules + rows_of[None, :]
                read.append(histograms(rows, index, count * modules))
                places.append(("gradient", [], []))
        for step in steps:
            for kind in ("loss", "grad_norms", "weight_norms", "update_norms"):
                value = getattr(step, kind)
                if value is not None:
                    read.append(value)
                    places.append((kind, [step.position], []))
        host = _to_host(read)
        return _columns(steps, host, places, self.parameters, modules)


def _to_host(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """The tensors on the host, float32: one transfer for all of them from an accelerator."""
    if all(t.device.type == "cpu" for t in tensors):
        return [t.float() for t in tensors]
    device = next(t.device for t in tensors if t.device.type != "cpu")
    flat = torch.cat([t.reshape(-1).to(device, torch.float32) for t in tensors]).cpu()  # the one sync
    return [part.reshape(t.shape) for part, t in zip(flat.split([t.numel() for t in tensors]), tensors)]


def _columns(
    steps: list[PendingStep],
    host: list[torch.Tensor],
    places: list[tuple[str, list[int], list[int]]],
    parameters: int,
    modules: int,
) -> list[Column]:
    count = len(steps)
    losses = [math.nan] * count
    numbers = torch.full((count, parameters, len(PARAMETER_FIELDS)), math.nan)
    activations = torch.full((count, modules, len(ACTIVATION_FIELDS)), math.nan)
    activation_histograms = torch.zeros(count, modules, HISTOGRAM)
    gradient_histograms = torch.zeros(count, modules, HISTOGRAM)
    for values, (kind, positions, where) in zip(host, places):
        if kind == "activation":
            activations[positions, where] = values[:, : len(ACTIVATION_FIELDS)]
            activation_histograms[positions, where] = values[:, len(ACTIVATION_FIELDS) :]
        elif kind == "gradient":
            gradient_histograms += values.reshape(count, modules, HISTOGRAM)
        elif kind == "loss":
            losses[positions[0]] = float(values.reshape(-1)[0])
        elif kind == "grad_norms":
            numbers[positions[0], steps[positions[0]].graded, 0] = values
        else:
            column, kept = (1 if kind == "weight_norms" else 2), min(parameters, values.shape[0])
            numbers[positions[0], :kept, column] = values[:kept]
    numbers[:, :, 2] /= numbers[:, :, 1]  # the update's norm over the weight's
    return [
        Column(
            step=step.step,
            loss=losses[i],
            parameters=numbers[i],
            activations=activations[i],
            activation_histograms=activation_histograms[i],
            gradient_histograms=gradient_histograms[i],
        )
        for i, step in enumerate(steps)
    ]
