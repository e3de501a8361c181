"""``torchinspect.watch(model, optimizer)``: the widget that fills in while the training cell runs.

Widget state set while a cell runs reaches the page at once (anywidget sends each change as a
comm message), so the watch publishes during the loop, at most ``UPDATES_PER_SECOND`` times a
second, and once more when the cell ends or the watch stops. Outside IPython it prints a line
every ``print_every`` steps instead.
"""

from __future__ import annotations

import math
import sys
import time
import uuid
import weakref
from typing import Any

import torch
import traitlets

from torchinspect._kernel import after_each_cell, notebook_shell
from torchinspect.bundle import KernelOwned
from torchinspect.graph.long_texts import short_strings, short_text
from torchinspect.tensor.snapshot import jsonable
from torchinspect.training.flags import flags
from torchinspect.training.history import CAPACITY, Column, History
from torchinspect.training.payload import MIME_TYPE, payload
from torchinspect.training.recorder import FirstNonFinite, Recorder
from torchinspect.training.statistics import ACTIVATION_FIELDS

UPDATES_PER_SECOND = 4
PRINT_EVERY = 100
"""Outside a notebook, the steps between two printed lines unless ``print_every`` says."""

_running: weakref.WeakSet[Watch] = weakref.WeakSet()


class Watch(KernelOwned):
    """Follows a model's training step by step; see ``watch``.

    Holds the model and the optimizer weakly; ``stop()``, or the end of its ``with`` block,
    removes every hook it put on them.
    """

    watch = traitlets.Dict().tag(sync=True)
    """The watch as the page shows it (torchinspect.watch/1, see ``payload``)."""
    shown_module = traitlets.Int(-1).tag(sync=True)
    """Set from the page: the index of the module whose heatmaps are shown; -1 lets the kernel choose."""

    _page_writable = frozenset({"shown_module"})

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        *,
        every: int = 1,
        print_every: int | None = None,
        capacity: int = CAPACITY,
    ) -> None:
        super().__init__()
        self._recorder = Recorder(model, optimizer, every, self._on_step, read_every=1 / UPDATES_PER_SECOND)
        recorder = self._recorder
        self._sent_names: dict[str, list[str]] = short_strings(
            {
                "parameters": recorder.parameter_names,
                "modules": recorder.module_names,
                "classes": recorder.module_classes,
            }
        )
        self._history = History(
            parameters=len(self._recorder.parameter_names), modules=len(self._recorder.module_names), capacity=capacity
        )
        self._first: FirstNonFinite | None = None
        self._published = 0.0
        self._stopped = False
        in_notebook = notebook_shell() is not None
        self._print_every = print_every if print_every is not None else (None if in_notebook else PRINT_EVERY)
        self._display_id = uuid.uuid4().hex
        self._displayed = False
        self._publish()
        _running.add(self)
        after_each_cell(_publish_running)

    @property
    def steps(self) -> int:
        """How many training steps ended since the watch began."""
        return self._recorder.steps

    @property
    def history(self) -> History:
        """The recorded steps, as numbers (bounded; see ``torchinspect.training.history``)."""
        self._recorder.finish()
        return self._history

    @property
    def parameter_names(self) -> list[str]:
        return list(self._recorder.parameter_names)

    @property
    def module_names(self) -> list[str]:
        return list(self._recorder.module_names)

    def log(self, loss: torch.Tensor | float | None = None) -> None:
        """Report the step's loss; without an optimizer, also say that the step ended.

        Call it once per step, after ``backward()`` and before the gradients are zeroed
        (after ``optimizer.step()`` is fine). The loss stays on its device until the step's
        numbers are read, once, with the rest.
        """
        if not self._stopped:
            self._recorder.log(loss)

    def stop(self) -> None:
        """Remove every hook from the model and the optimizer, and show the last steps."""
        if self._stopped:
            return
        self._recorder.finish()
        self._recorder.close()
        self._stopped = True
        _running.discard(self)
        self._publish()
        self._update_saved_picture()

    def flags(self) -> list[dict[str, Any]]:
        """What looks wrong now, in words (see ``torchinspect.training.flags``)."""
        self._recorder.finish()
        if self._history.count == 0:
            return (
                []
                if self._first is None
                else flags([], [], torch.zeros(0, 3), torch.zeros(0, len(ACTIVATION_FIELDS)), self._first)
            )
        latest = self._history.parameters()[-1]
        activations = self._history.activations()[-1]
        return flags(self._recorder.parameter_names, self._recorder.module_names, latest, activations, self._first)

    def summary(self) -> str:
        """One line: the step, the loss, the largest gradient norm and update ratio, the flags."""
        self._recorder.finish()
        return self._summary(self.steps)

    def _summary(self, step: int, found: list[dict[str, Any]] | None = None) -> str:
        """``summary()`` as of ``step``, the last step the history holds while steps are read;
        ``found``: ``flags()`` where the caller has them already."""
        parts = [f"step {step}"]
        if self._history.count:
            loss = float(self._history.losses()[-1])
            if not math.isnan(loss):
                parts.append(f"loss {loss:.4g}")
            latest = self._history.parameters()[-1]
            if latest.shape[0] and not torch.isnan(latest[:, 0]).all():
                worst = int(torch.nan_to_num(latest[:, 0], nan=-1.0).argmax())
                parts.append(f"max ‖grad‖ {float(latest[worst, 0]):.3g} ({self._recorder.parameter_names[worst]})")
            ratios = latest[:, 2][~torch.isnan(latest[:, 2])]
            if ratios.numel():
                parts.append(f"max update/weight {float(ratios.max()):.3g}")
        found = self.flags() if found is None else found
        parts.append("flags: " + ("; ".join(flag["title"] for flag in found) if found else "none"))
        return ", ".join(parts)

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        """The summary line, and the payload for views without the kernel (saved notebooks)."""
        return {"text/plain": f"torchinspect.watch: {self.watch['summary']}", MIME_TYPE: jsonable(self.watch)}, {}

    def _ipython_display_(self) -> None:
        """Display under an id of its own, so that the end of each cell can bring the output's
        saved picture (what a reopened notebook shows) up to the watch's last step."""
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        if bundle is not None:
            display(bundle[0], metadata=bundle[1], raw=True, display_id=self._display_id)
            self._displayed = True

    def _update_saved_picture(self) -> None:
        bundle = self._display_bundle() if self._displayed else None
        if bundle is not None:
            from IPython.display import update_display

            update_display(bundle[0], metadata=bundle[1], raw=True, display_id=self._display_id)

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _on_step(self, column: Column, first: FirstNonFinite | None) -> None:
        self._history.append(column)
        self._first = first
        if self._print_every and column.step % self._print_every < self._recorder.every:
            print(f"torchinspect.watch: {self._summary(column.step)}", file=sys.stdout, flush=True)
        if time.monotonic() - self._published >= 1 / UPDATES_PER_SECOND:
            self._publish()

    @traitlets.observe("shown_module")
    def _on_select(self, _change: dict[str, Any]) -> None:
        self._publish()

    def _publish(self) -> None:
        self._published = time.monotonic()
        found = self.flags()  # once: the summary and the module shown first use them too
        # Texts past 200 characters shortened, as the graph's are: a saved notebook keeps the
        # state. The names were once, at the start: only the flags' and summary's texts change.
        self.watch = payload(
            self._history,
            parameters=self._sent_names["parameters"],
            modules=self._sent_names["modules"],
            classes=self._sent_names["classes"],
            steps=self.steps,
            every=self._recorder.every,
            selected=self._shown_module(found),
            flags=short_strings(found),
            summary=short_text(self._summary(self.steps, found)),
            running=not self._stopped,
        )

    def _shown_module(self, found: list[dict[str, Any]]) -> int:
        """The page's choice, else the module the first flag names, else the first that has
        gradients (a layer with parameters)."""
        names = self._recorder.module_names
        if 0 <= self.shown_module < len(names):
            return self.shown_module
        for flag in found:
            for where in flag["where"]:
                owner = where.removeprefix("the output of ").removeprefix("the gradient of ")
                for candidate in (owner, owner.rpartition(".")[0]):
                    if candidate in names:
                        return names.index(candidate)
        histograms = self._history.histograms()
        with_gradients = (histograms[:, :, 1].sum(0) > 0).nonzero().flatten().tolist() if self._history.count else []
        return with_gradients[0] if with_gradients else 0


def _publish_running(_result: object = None) -> None:
    """After each cell, show every running watch's last steps (the loop may have ended between
    two throttled updates), in the page and in the output's saved picture."""
    for running in list(_running):
        running._recorder.finish()
        running._publish()
        running._update_saved_picture()


def watch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    every: int = 1,
    print_every: int | None = None,
) -> Watch:
    """Follow a model's training, step by step, in a widget that fills in while the loop runs.

    Display it before the loop (the last expression of a cell, or ``display(w)``). Each
    recorded step keeps the loss (``w.log(loss)``), every parameter's gradient norm, weight
    norm and update-to-weight ratio (exact when the optimizer is given: read around its
    ``step()``), every module's activation statistics (mean, std, share of zeros, dead units,
    NaN and Inf counts) from forward hooks, and histograms of activations and gradients per
    module, shown as steps × bins heatmaps. Flags say in words what looks wrong. Memory and the
    page's updates stay bounded whatever the number of steps.

    A step ends at ``optimizer.step()`` when the optimizer is given, else at ``w.log(...)``.

    Args:
        model: the ``nn.Module`` being trained; held weakly.
        optimizer: its optimizer, for exact updates and the step's end; held weakly.
        every: record one step in this many (the others cost a Python call per hook).
        print_every: outside a notebook, print a one-line summary every this many steps
            (100 if not given); in a notebook, only if given.

    Returns:
        A ``Watch``: a widget with ``log``, ``stop``, ``flags``, ``summary``, ``history``; as a
        context manager, it stops at the end of the ``with`` block. ``torchinspect.export_html(w,
        "run.html")`` writes it, as it is then, as a page that opens offline (from a plain script
        too); a saved notebook keeps its last step.

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> with watch(model, optimizer, print_every=0) as w:
        ...     for _ in range(3):
        ...         optimizer.zero_grad()
        ...         loss = model(torch.ones(8, 3)).pow(2).mean()
        ...         loss.backward()
        ...         optimizer.step()
        ...         w.log(loss)
        >>> w.steps, w.history.count, len(w.parameter_names)
        (3, 3, 4)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"torchinspect.watch() takes the torch.nn.Module being trained, got {type(model).__qualname__}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            "torchinspect.watch()'s optimizer must be a torch.optim.Optimizer (or None), "
            f"got {type(optimizer).__qualname__}"
        )
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"torchinspect.watch(): every must be a whole number of steps ≥ 1, got {every!r}")
    return Watch(model, optimizer, every=every, print_every=print_every)
