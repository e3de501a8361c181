"""The hooks of a watch, and the recorded steps handed on, several at a time, with one host sync.

Forward hooks on the watched modules copy a sample of each output into a table on its device
(``pending``); the optimizer's step pre- and post-hooks read the gradients, the weights before
and after, and so the exact update; without an optimizer, ``log()`` ends a step and reads the
gradients then. The recorded steps' numbers stay on the device until they are read together:
when ``read_every`` seconds have passed since the last read (so that the page still updates a
few times a second), when ``MOST_PENDING`` steps wait, or on ``finish()``. Only every
``every``-th step is recorded: the watched modules' forward hooks are put on at the end of the
step before a recorded one and taken off at its end, so that a step not recorded calls no hook
of theirs (a module without hooks takes torch's fast call), and the other hooks return at once.

Every hook holds the recorder weakly and ``close()`` removes them all; the recorder holds the
model and the optimizer weakly.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from torchinspect.training.history import Column
from torchinspect.training.pending import Pending, PendingStep
from torchinspect.training.statistics import ACTIVATION_FIELDS, step_norms
from torchinspect.training.updates import StepUpdates

MOST_PENDING = 16
"""Recorded steps kept on the device at most before they are read (each holds a sample of every
module's output and of every gradient: a few KB per module)."""


@dataclass
class FirstNonFinite:
    """The first recorded step where a NaN or Inf appeared, and where."""

    step: int
    where: str
    kind: str


class Recorder:
    """Hooks ``model`` (and ``optimizer``) and hands each recorded step to ``on_step``, in order."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer | None,
        every: int,
        on_step: Callable[[Column, FirstNonFinite | None], None],
        read_every: float = 0.25,
    ) -> None:
        self.every = every
        self.parameter_names = [name for name, _ in model.named_parameters()]
        watched = [(path, module) for path, module in model.named_modules() if _watched(module)]
        self.module_names = [path for path, _ in watched]
        self.module_classes = [type(module).__name__ for _, module in watched]
        rows = {path: row for row, path in enumerate(self.module_names)}
        owners = [rows.get(name.rpartition(".")[0]) for name in self.parameter_names]
        self.steps = 0  # steps ended so far
        self.recording = True
        """Whether the step now running is one of the recorded ones."""
        self.first_nonfinite: FirstNonFinite | None = None
        self._on_step = on_step
        self._read_every = read_every
        self._read_at = time.monotonic()
        self._model = weakref.ref(model)
        self._optimizer = None if optimizer is None else weakref.ref(optimizer)
        self._pending = Pending(len(self.parameter_names), len(self.module_names), owners)
        self._open: PendingStep | None = None
        self._just_ended: PendingStep | None = None
        """The step that ended at the optimizer's step, until the next forward: ``log()``'s loss is its."""
        self._updated: list[torch.Tensor] = []
        """The parameters read before the optimizer's step, until after it."""
        self._updates = StepUpdates()
        self._handles = self._hook(model, optimizer)
        self._activation_hooks: list[Any] = []
        self._armed = False
        self._arm_activation_hooks()

    def log(self, loss: torch.Tensor | float | None) -> None:
        """Attach a loss to the step that just ended (after an optimizer step) or the one
        running; without an optimizer, end the step here."""
        target = self._just_ended or self._current()
        if target is not None and loss is not None:
            target.loss = _as_scalar(loss)
        if self._optimizer is None:
            self._end_step(read_gradients=True)
        self._just_ended = None
        self._read_when_due()

    def finish(self) -> None:
        """Bring every ended step's numbers to the host and hand them on (one sync)."""
        ended = len(self._pending.steps) - (self._open is not None)
        if ended <= 0:
            return
        self._read_at = time.monotonic()
        steps = self._pending.steps[:ended]
        for column, step in zip(self._pending.read(ended), steps):
            if self.first_nonfinite is None:
                self.first_nonfinite = self._nonfinite(column, set(step.graded), logged=step.loss is not None)
            self._on_step(column, self.first_nonfinite)

    def close(self) -> None:
        """Remove every hook this recorder put on the model and the optimizer."""
        for handle in self._handles + self._activation_hooks:
            handle.remove()
        self._handles, self._activation_hooks, self._armed = [], [], False
        self._updates.close()
        self._updated = []

    def _hook(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> list[Any]:
        me = weakref.ref(self)
        handles = [model.register_forward_pre_hook(lambda *_: _call(me, "_on_model_forward"))]
        if optimizer is not None:
            handles.append(optimizer.register_step_pre_hook(lambda _, args, kwargs: _before_step(me, args, kwargs)))
            handles.append(optimizer.register_step_post_hook(lambda *_: _call(me, "_after_optimizer_step")))
        return handles

    def _arm_activation_hooks(self) -> None:
        """Hook the watched modules' outputs for a recorded step, and for no other."""
        model = self._model()
        if self.recording == self._armed or model is None or not self._handles:  # no handle: closed
            return
        for handle in self._activation_hooks:
            handle.remove()
        self._activation_hooks, self._armed = [], self.recording
        if self.recording:
            me, modules = weakref.ref(self), dict(model.named_modules())
            for index, path in enumerate(self.module_names):
                if path in modules:  # not a module deleted since the watch began
                    self._activation_hooks.append(modules[path].register_forward_hook(_forward_hook(me, index)))

    def _current(self) -> PendingStep | None:
        if not self.recording:
            return None
        if self._open is None:
            if len(self._pending.steps) >= MOST_PENDING:
                self.finish()
            self._open = self._pending.open(self.steps + 1)
        return self._open

    def _read_when_due(self) -> None:
        if self._pending.steps and time.monotonic() - self._read_at >= self._read_every:
            self.finish()

    def _on_model_forward(self) -> None:
        self._just_ended = None
        self._read_when_due()

    def on_activation(self, index: int, output: Any) -> None:
        step = self._open if self._open is not None else self._current()
        tensor = output if type(output) is torch.Tensor and output.is_floating_point() else _first_float(output)
        if step is not None and tensor is not None and index not in step.modules and tensor.numel():
            self._pending.add_output(step, index, tensor.detach())  # of the detached output: no graph

    def _before_optimizer_step(self, *, closure: bool) -> None:
        step = self._current()
        optimizer = self._optimizer() if self._optimizer is not None else None
        if step is None or optimizer is None:
            return
        parameters = self._parameters()
        with torch.no_grad():  # no graph: the parameters themselves go into the fused calls
            step.weight_norms, gradient_norms = self._updates.before_step(parameters, optimizer, closure=closure)
            self._read_gradients(step, parameters, gradient_norms)
        self._updated = parameters

    def _after_optimizer_step(self) -> None:
        step, updated, self._updated = self._open, self._updated, []
        if step is not None and updated:
            with torch.no_grad():  # an optimizer updates its parameters in place: the same tensors
                step.update_norms = self._updates.after_step(updated)
        self._end_step(read_gradients=False)
        self._just_ended = step

    def _end_step(self, *, read_gradients: bool) -> None:
        step = self._open
        if step is not None and read_gradients:
            parameters = self._parameters()
            with torch.no_grad():
                self._read_gradients(step, parameters)
                step.weight_norms = step_norms(parameters)
        self._open = None
        self.steps += 1
        self.recording = self.steps % self.every == 0
        self._arm_activation_hooks()

    def _parameters(self) -> list[torch.Tensor]:
        """The model's parameters, in ``parameter_names``' order."""
        model = self._model()
        return [] if model is None else parameters_of(model)

    def _read_gradients(
        self, step: PendingStep, parameters: list[torch.Tensor], norms: torch.Tensor | None = None
    ) -> None:
        present = [(i, p.grad) for i, p in enumerate(parameters) if p.grad is not None]
        if present:
            self._pending.add_gradients(step, present, norms)

    def _nonfinite(self, column: Column, graded: set[int], *, logged: bool) -> FirstNonFinite | None:
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
        if not math.isfinite(column.loss) and not math.isnan(column.loss) or math.isnan(column.loss) and logged:
            return FirstNonFinite(column.step, "the loss", "NaN" if math.isnan(column.loss) else "Inf")
        return None


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


def parameters_of(model: torch.nn.Module) -> list[torch.Tensor]:
    """``list(model.parameters())``: each module once, in the order of ``named_modules``, and
    each parameter once, in the order its module holds them. Read every recorded step, so without
    the generators and the sets of tensors torch's walk goes through (a fifth of a millisecond on
    a ResNet of 65 modules).

    Example:
        >>> shared = torch.nn.Linear(2, 2)
        >>> model = torch.nn.Sequential(shared, torch.nn.ReLU(), shared, torch.nn.Linear(2, 1))
        >>> parameters_of(model) == list(model.parameters())
        True
    """
    modules: list[torch.nn.Module | None] = [model]
    visited: set[int] = set()
    seen: set[int] = set()
    found: list[torch.Tensor] = []
    while modules:
        module = modules.pop()
        if module is None or id(module) in visited:
            continue
        visited.add(id(module))
        for parameter in module._parameters.values():
            if parameter is not None and id(parameter) not in seen:
                seen.add(id(parameter))
                found.append(parameter)
        children = list(module._modules.values())
        children.reverse()  # popped first to last
        modules += children
    return found


def _watched(module: torch.nn.Module) -> bool:
    """Leaves of the module tree but those passing their input through, and modules holding
    parameters of their own."""
    if any(True for _ in module.parameters(recurse=False)):
        return True
    return not any(True for _ in module.children()) and not isinstance(module, _PASS_THROUGH)


def _forward_hook(recorder: weakref.ref[Recorder], index: int) -> Callable[..., None]:
    def hook(_module: torch.nn.Module, _inputs: Any, output: Any) -> None:
        target = recorder()
        if target is not None:
            target.on_activation(index, output)

    return hook


def _before_step(recorder: weakref.ref[Recorder], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    target = recorder()
    if target is not None:
        closure = kwargs.get("closure", args[1] if len(args) > 1 else None)  # args[0]: the optimizer
        target._before_optimizer_step(closure=closure is not None)


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
