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
from torchinspect.training.packing import Packed, flat, packable
from torchinspect.training.statistics import (
    ACTIVATION_FIELDS,
    HISTOGRAM,
    activation_rows,
    histograms,
    sample,
    sample_places,
)


@dataclass
class _Sampling:
    """Where a module's output of one shape is sampled, and the table its samples go to."""

    shape: torch.Size
    device: torch.device
    places: torch.Tensor
    table: _Rows


@dataclass
class _GradientReading:
    """How the gradients of one pattern are read: places in the list of gradients present."""

    small: list[int]
    """Packed: their norms taken from one flat copy, which is their samples too."""
    large: list[int]
    sampled: list[int]
    """The large ones a watched module holds: a strided sample each."""
    packed: Packed | None
    places: torch.Tensor
    """The parameters' places of the small ones, then of the large ones."""
    table: _Rows | None
    rows_of: torch.Tensor | None
    """Each sampled value's module: its histogram's row."""


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
        self._grow(torch.empty(8, *shape, device=device))  # each row in its shape: no view per row
        self.owners: list[int] = []  # each row's step position
        self.extras: list[tuple[int, torch.Tensor | None]] = []  # each row's module and whole-output sum

    def take(self, position: int, module: int = -1, total: torch.Tensor | None = None) -> torch.Tensor:
        taken = len(self.owners)
        if taken == len(self._rows):
            grown = self._storage.new_empty(2 * taken, *self.shape)
            grown[:taken] = self._storage
            self._grow(grown)
        self.owners.append(position)
        self.extras.append((module, total))
        return self._rows[taken]

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

    def _grow(self, storage: torch.Tensor) -> None:
        # The rows' views made once per storage: indexing a tensor from Python costs a hook
        # several microseconds a call, a list next to nothing.
        self._storage, self._rows = storage, list(storage.unbind(0))


MOST_TABLES = 64
"""Tables of samples, and ways of reading gradients, kept at most: an output whose shape changes
from step to step (a sequence's length) needs a table per shape, gradients present in changing
patterns (layers dropped at random) a reading per pattern; past this many, those holding no
pending row are dropped, so that memory does not grow with the steps."""


class Pending:
    """The pending steps of a model with ``parameters`` parameters and ``modules`` watched modules;
    ``owner[i]`` is the watched module holding parameter ``i`` (its gradient histogram's row)."""

    def __init__(self, parameters: int, modules: int, owner: list[int | None]) -> None:
        self.parameters = parameters
        self.modules = modules
        self._owner = owner
        self.steps: list[PendingStep] = []
        self._samples: dict[tuple[torch.Size, torch.device], _Rows] = {}
        self._sampling: list[_Sampling | None] = [None] * modules
        """Per module, where the sample of its last output's shape lies, and its table."""
        self._readings: dict[tuple[tuple[int, int, torch.layout], ...], _GradientReading] = {}
        """Per pattern of gradients present (their parameters, sizes and layouts), how they are read."""

    def open(self, step: int) -> PendingStep:
        opened = PendingStep(step=step, position=len(self.steps))
        self.steps.append(opened)
        return opened

    def add_output(self, step: PendingStep, module: int, output: torch.Tensor) -> None:
        """Gather the output's sample into its table and keep its sum: two operations, the
        sample's places in an output of that shape found once."""
        sampling = self._sampling[module]
        if sampling is None or sampling.shape != output.shape or sampling.device != output.device:
            sampling = self._sampling[module] = self._sampling_of(output)
        row = sampling.table.take(step.position, module, output.sum(dtype=torch.float32))
        if output.dtype == row.dtype:
            torch.take(output, sampling.places, out=row)
        else:
            row.copy_(torch.take(output, sampling.places))
        step.modules.add(module)

    def _sampling_of(self, output: torch.Tensor) -> _Sampling:
        places = sample_places(output.shape, output.device)
        table = self._samples.get((places.shape, output.device))
        if table is None:
            if len(self._samples) >= MOST_TABLES:
                self._drop_empty_tables()
            table = self._samples[(places.shape, output.device)] = _Rows(places.shape, output.device)
        return _Sampling(output.shape, output.device, places, table)

    def _drop_empty_tables(self) -> None:
        self._samples = {key: table for key, table in self._samples.items() if table.owners}
        kept = {id(table) for table in self._samples.values()}
        self._sampling = [None if s is None or id(s.table) not in kept else s for s in self._sampling]

    def add_gradients(
        self, step: PendingStep, gradients: list[tuple[int, torch.Tensor]], norms: torch.Tensor | None = None
    ) -> None:
        """Each gradient's norm, in the parameters' order (NaN where there is none; ``norms``
        where the large ones' were taken already), and the samples of those a watched module
        holds, in one row: the small gradients packed (whole), a strided sample of the others."""
        step.graded = [i for i, _ in gradients]
        if not gradients:
            return
        key = tuple((i, grad.numel(), grad.layout) for i, grad in gradients)
        reading = self._readings.get(key)
        if reading is None:
            if len(self._readings) >= MOST_TABLES:
                self._readings = {
                    kept: reading for kept, reading in self._readings.items() if reading.table and reading.table.owners
                }
            reading = self._readings[key] = self._reading_of(gradients)
        values = [grad if grad.layout == torch.strided else _sparse_values(grad) for _, grad in gradients]
        small_flat = flat([values[j] for j in reading.small]) if reading.small else None
        step.grad_norms = self._gradient_norms(reading, values, small_flat, norms)
        if reading.table is None:
            return
        samples = ([] if small_flat is None else [small_flat]) + [sample(values[j]) for j in reading.sampled]
        row = reading.table.take(step.position)
        try:
            torch.cat(samples, out=row)  # cast to float32 on the way
        except RuntimeError:  # gradients on several devices
            row.copy_(torch.cat([values.to(row.device) for values in samples]))

    def _gradient_norms(
        self,
        reading: _GradientReading,
        values: list[torch.Tensor],
        small_flat: torch.Tensor | None,
        norms: torch.Tensor | None,
    ) -> torch.Tensor:
        small = None if small_flat is None or reading.packed is None else reading.packed.norms(small_flat)
        if norms is None:
            large = [values[j] for j in reading.large]
            found = ([] if small is None else [small]) + ([torch.stack(torch._foreach_norm(large))] if large else [])
            norms = torch.full((self.parameters,), math.nan, device=found[0].device)
            norms[reading.places] = torch.cat(found).to(norms.dtype)
        elif small is not None:
            norms[reading.places[: len(reading.small)]] = small.to(norms.dtype)
        return norms

    def _reading_of(self, gradients: list[tuple[int, torch.Tensor]]) -> _GradientReading:
        owned = [j for j, (i, _) in enumerate(gradients) if self._owner[i] is not None]
        small = [owned[k] for k in packable([gradients[j][1] for j in owned])]
        packed = set(small)
        large = [j for j in range(len(gradients)) if j not in packed]
        # A sparse gradient's values change in number from step to step: its norm is read, not sampled.
        sampled = [
            j for j in large if self._owner[gradients[j][0]] is not None and gradients[j][1].layout == torch.strided
        ]
        places = torch.tensor([gradients[j][0] for j in small + large], device=gradients[0][1].device)
        if not small + sampled:
            return _GradientReading(small, large, sampled, None, places, None, None)
        sizes = [gradients[j][1].numel() for j in small] + [sample(gradients[j][1]).numel() for j in sampled]
        owners = [self._owner[gradients[j][0]] for j in small + sampled]
        device = gradients[(small + sampled)[0]][1].device
        rows_of = torch.repeat_interleave(torch.tensor(owners, dtype=torch.int32), torch.tensor(sizes)).to(device)
        packing = Packed([gradients[j][1] for j in small]) if small else None
        return _GradientReading(
            small, large, sampled, packing, places, _Rows(torch.Size([sum(sizes)]), device), rows_of
        )

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
                # Each output's sum is on its table's device: the output's.
                totals = torch.stack([total for _, total in extras if total is not None])
                read.append(activation_rows(rows, totals))
                places.append(("activation", owners, [module for module, _ in extras]))
        for reading in self._readings.values():
            gradients, rows_of = reading.table, reading.rows_of
            if gradients is not None and rows_of is not None and gradients.owners and gradients.owners[0] < count:
                rows, owners, _ = gradients.read(count)
                index = (
                    torch.tensor(owners, dtype=torch.int32, device=rows.device)[:, None] * modules + rows_of[None, :]
                )
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


def _sparse_values(grad: torch.Tensor) -> torch.Tensor:
    """The values a sparse gradient holds, repeated indices summed (an embedding's rows looked up
    twice): the dense gradient's norm."""
    return grad.coalesce().values() if grad.layout == torch.sparse_coo else grad.to_dense()


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
        else:
            column = ("grad_norms", "weight_norms", "update_norms").index(kind)
            kept = min(parameters, values.shape[0])
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
