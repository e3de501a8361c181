"""The hooks of a watch, and each recorded step assembled from them with one host sync.

Forward hooks on the watched modules reduce each output on its device (``statistics``); the
optimizer's step pre- and post-hooks read the gradients, the weights before and after, and so
the exact update; without an optimizer, ``log()`` ends a step and reads the gradients then. A
step's numbers stay on the device until it is finished (the next forward of the model, a
``log()`` after the optimizer step, or a flush), then cross to the host as one tensor. Only
every ``every``-th step is recorded: the others cost a Python call per hook.

Every hook holds the recorder weakly and ``close()`` removes them all; the recorder holds the
model and the optimizer weakly.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from torchinspect.training.history import PARAMETER_FIELDS, Column
from torchinspect.training.statistics import (
    ACTIVATION_FIELDS,
    HISTOGRAM,
    ActivationSample,
    activation_rows,
    activation_sample,
    histograms,
    sample,
    step_norms,
)

_ACTIVATION = len(ACTIVATION_FIELDS) + HISTOGRAM


@dataclass
class FirstNonFinite:
    """The first recorded step where a NaN or Inf appeared, and where."""

    step: int
    where: str
    kind: str


@dataclass
class _Step:
    """A step's numbers while they are still on the device."""

    step: int
    loss: torch.Tensor | None = None
    activations: dict[int, ActivationSample] = field(default_factory=dict)
    rows: dict[str, tuple[list[int], torch.Tensor]] = field(default_factory=dict)
    """Each kind of number ("grad", "weight", "update", "gradient_histogram"): the indices of
    the parameters or modules it was read for, and a row of it per index."""
    updating: bool = False
    """Whether the weights before the optimizer's step were copied, to read its update."""


class Recorder:
    """Hooks ``model`` (and ``optimizer``) and hands each recorded step to ``on_step``."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer | None,
        every: int,
        on_step: Callable[[Column, FirstNonFinite | None], None],
    ) -> None:
        self.every = every
        self.parameter_names = [name for name, _ in model.named_parameters()]
        watched = [(path, module) for path, module in model.named_modules() if _watched(module)]
        self.module_names = [path for path, _ in watched]
        self.module_classes = [type(module).__name__ for _, module in watched]
        owners = {name: name.rpartition(".")[0] for name in self.parameter_names}
        self._module_parameters = [
            [i for i, name in enumerate(self.parameter_names) if owners[name] == path] for path in self.module_names
        ]
        self.steps = 0  # steps ended so far
        self.first_nonfinite: FirstNonFinite | None = None
        self._on_step = on_step
        self._model = weakref.ref(model)
        self._optimizer = None if optimizer is None else weakref.ref(optimizer)
        self._open: _Step | None = None
        self._logged = False
        # The weights before the optimizer's step, then the step's update: one buffer per
        # parameter, kept across steps (allocating them each step cost more than the copy).
        self._before: list[torch.Tensor] = []
        self._ended: _Step | None = None
        self._handles = self._hook(model, optimizer)

    @property
    def recording(self) -> bool:
        """Whether the step now running is one of the recorded ones."""
        return self.steps % self.every == 0

    def log(self, loss: torch.Tensor | float | None) -> None:
        """Attach a loss to the step that just ended (after an optimizer step) or the one
        running; without an optimizer, end the step here."""
        target = self._ended or self._current()
        if target is not None and loss is not None:
            target.loss = _as_scalar(loss)
        if self._optimizer is None:
            self._end_step(read_gradients=True)
        self.finish()

    def finish(self) -> None:
        """Bring the ended step's numbers to the host and hand them on (one sync)."""
        ended, self._ended = self._ended, None
        if ended is None:
            return
        column, first = self._assemble(ended)
        if first is not None and self.first_nonfinite is None:
            self.first_nonfinite = first
        self._on_step(column, self.first_nonfinite)

    def close(self) -> None:
        """Remove every hook this recorder put on the model and the optimizer."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._before = []

    def _hook(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> list[Any]:
        me = weakref.ref(self)
        handles = [model.register_forward_pre_hook(lambda *_: _call(me, "_on_model_forward"))]
        modules = dict(model.named_modules())
        for index, path in enumerate(self.module_names):
            hook = _forward_hook(me, index)
            handles.append(modules[path].register_forward_hook(hook))
        if optimizer is not None:
            handles.append(optimizer.register_step_pre_hook(lambda *_: _call(me, "_before_optimizer_step")))
            handles.append(optimizer.register_step_post_hook(lambda *_: _call(me, "_after_optimizer_step")))
        return handles

    def _current(self) -> _Step | None:
        if not self.recording:
            return None
        if self._open is None:
            self._open = _Step(step=self.steps + 1)
        return self._open

    def _on_model_forward(self) -> None:
        self.finish()

    def on_activation(self, index: int, output: Any) -> None:
        step = self._current()
        tensor = _first_float(output)
        if step is not None and tensor is not None and index not in step.activations and tensor.numel():
            step.activations[index] = activation_sample(tensor)  # of the detached output: no graph

    def _before_optimizer_step(self) -> None:
        step = self._current()
        if step is None:
            return
        parameters = self._parameters()
        weights = [p.detach() for p in parameters]
        self._read_gradients(step, parameters)
        with torch.no_grad():
            step.rows["weight"] = (list(range(len(weights))), step_norms(weights))
            self._copy_before(weights)
        step.updating = True

    def _after_optimizer_step(self) -> None:
        step = self._current()
        if step is not None and step.updating:
            after = [p.detach() for p in self._parameters()]
            if [t.shape for t in after] == [t.shape for t in self._before]:
                with torch.no_grad():
                    torch._foreach_sub_(self._before, after)  # before - after: the update, negated
                    step.rows["update"] = (list(range(len(after))), step_norms(self._before))
        self._end_step(read_gradients=False)

    def _copy_before(self, weights: list[torch.Tensor]) -> None:
        same = [(t.shape, t.dtype, t.device) for t in weights] == [(t.shape, t.dtype, t.device) for t in self._before]
        if same and weights:
            torch._foreach_copy_(self._before, weights)
        else:
            self._before = [w.clone() for w in weights]

    def _end_step(self, *, read_gradients: bool) -> None:
        step = self._open
        if step is not None and read_gradients:
            parameters = self._parameters()
            weights = [p.detach() for p in parameters]
            self._read_gradients(step, parameters)
            with torch.no_grad():
                step.rows["weight"] = (list(range(len(weights))), step_norms(weights))
        self._open = None
        self.steps += 1
        self.finish()  # an earlier ended step not finished yet
        self._ended = step

    def _parameters(self) -> list[torch.Tensor]:
        """The model's parameters, in ``parameter_names``' order."""
        model = self._model()
        return [] if model is None else list(model.parameters())

    def _read_gradients(self, step: _Step, parameters: list[torch.Tensor]) -> None:
        with torch.no_grad():
            present = [(i, p.grad.detach()) for i, p in enumerate(parameters) if p.grad is not None]
            if present:
                step.rows["grad"] = ([i for i, _ in present], step_norms([grad for _, grad in present]))
            grads = dict(present)
            owned = [
                (module, grads[i]) for module, owned in enumerate(self._module_parameters) for i in owned if i in grads
            ]
            if owned:
                # A module's parameters counted together: the histogram of its gradient.
                modules = sorted({module for module, _ in owned})
                row = {module: r for r, module in enumerate(modules)}
                table = histograms([sample(grad) for _, grad in owned], [row[module] for module, _ in owned])
                step.rows["gradient_histogram"] = (modules, table)

    def _assemble(self, step: _Step) -> tuple[Column, FirstNonFinite | None]:
        """The step's numbers as a column on the host: every table concatenated, one transfer."""
        groups = dict(step.rows)
        if step.loss is not None:
            groups["loss"] = ([0], step.loss)
        if step.activations:
            with torch.no_grad():
                groups["activation"] = (list(step.activations), activation_rows(list(step.activations.values())))
        tables = [table.reshape(len(indices), -1).float() for indices, table in groups.values()]
        device = tables[0].device if tables else torch.device("cpu")
        flat = (
            torch.cat([table.reshape(-1).to(device) for table in tables]).cpu() if tables else torch.zeros(0)
        )  # the one sync
        column = Column(
            step=step.step,
            loss=float("nan"),
            parameters=torch.full((len(self.parameter_names), len(PARAMETER_FIELDS)), float("nan")),
            activations=torch.full((len(self.module_names), len(ACTIVATION_FIELDS)), float("nan")),
            activation_histograms=torch.zeros(len(self.module_names), HISTOGRAM),
            gradient_histograms=torch.zeros(len(self.module_names), HISTOGRAM),
        )
        offset = 0
        for (kind, (indices, _)), table in zip(groups.items(), tables):
            rows = flat[offset : offset + table.numel()].reshape(table.shape)
            offset += table.numel()
            _place(column, kind, indices, rows)
        column.parameters[:, 2] = column.parameters[:, 2] / column.parameters[:, 1]
        self._logged = step.loss is not None
        return column, self._nonfinite(column, set(step.rows["grad"][0] if "grad" in step.rows else []))

    def _nonfinite(self, column: Column, graded: set[int]) -> FirstNonFinite | None:
        """Where this step's first NaN or Inf is: a module's output (in the model's order), a
        gradient, or the loss."""
        nan, inf, any_nonfinite = (ACTIVATION_FIELDS.index(field) for field in ("nan", "inf", "nonfinite"))
        for index, row in enumerate(column.activations.tolist()):
            if row[any_nonfinite] > 0:
                kind = "NaN" if row[nan] > 0 else "Inf" if row[inf] > 0 else "NaN or Inf"
                return FirstNonFinite(column.step, f"the output of {self.module_names[index] or 'the model'}", kind)
        norms = column.parameters[:, 0].tolist()
        for index in sorted(graded):
            if not math.isfinite(norms[index]):
                kind = "NaN" if math.isnan(norms[index]) else "Inf"
                return FirstNonFinite(column.step, f"the gradient of {self.parameter_names[index]}", kind)
        if not math.isfinite(column.loss) and not math.isnan(column.loss) or math.isnan(column.loss) and self._logged:
            return FirstNonFinite(column.step, "the loss", "NaN" if math.isnan(column.loss) else "Inf")
        return None


def _place(column: Column, kind: str, indices: list[int], rows: torch.Tensor) -> None:
    """Put one kind of the step's numbers, a row per parameter or module, into the column."""
    if kind == "loss":
        column.loss = float(rows[0, 0])
    elif kind in ("grad", "weight", "update"):
        column.parameters[indices, ("grad", "weight", "update").index(kind)] = rows[:, 0]
    elif kind == "activation":
        column.activations[indices] = rows[:, : len(ACTIVATION_FIELDS)]
        column.activation_histograms[indices] = rows[:, len(ACTIVATION_FIELDS) :]
    else:
        column.gradient_histograms[indices] = rows


# Modules whose output is their input, or their input with units dropped at random: watching
# them would repeat the module before at the cost of a hook.
_PASS_THROUGH = (
    torch.nn.Identity,
    torch.nn.Flatten,
    torch.nn.Dropout,
    torch.nn.Dropout1d,
    torch.nn.Dropout2d,
    torch.nn.Dropout3d,
    torch.nn.AlphaDropout,
    torch.nn.FeatureAlphaDropout,
)


def _watched(module: torch.nn.Module) -> bool:
    """Leaves of the module tree but those passing their input through, and modules holding
    parameters of their own."""
    if any(True for _ in module.parameters(recurse=False)):
        return True
    return not any(True for _ in module.children()) and not isinstance(module, _PASS_THROUGH)


def _forward_hook(recorder: weakref.ref[Recorder], index: int) -> Callable[..., None]:
    def hook(_module: torch.nn.Module, _inputs: Any, output: Any) -> None:
        target = recorder()
        if target is not None and target.recording:
            target.on_activation(index, output)

    return hook


def _call(recorder: weakref.ref[Recorder], method: str) -> None:
    target = recorder()
    if target is not None:
        getattr(target, method)()


def _first_float(output: Any) -> torch.Tensor | None:
    """The tensor a module returned, or the first of a tuple (attention returns its weights too)."""
    if isinstance(output, (tuple, list)) and output:
        output = output[0]
    if isinstance(output, torch.Tensor) and (output.is_floating_point() or output.is_complex()):
        return output.real if output.is_complex() else output
    return None


def _as_scalar(loss: torch.Tensor | float) -> torch.Tensor:
    if isinstance(loss, torch.Tensor):
        return loss.detach().float().mean().reshape(1)
    return torch.tensor([float(loss)])
