"""``inspect(model)``: the anywidget that shows a module's tree, parameters and buffers, and
the tensor card of the parameter the page selects; live after each cell, as tensor inspectors
are (``live``), so that after ``backward()`` the grad columns fill in, and kept as of its cell
once a later cell shows new output."""

from __future__ import annotations

import weakref
from typing import Any

import torch
import traitlets

from torchinspect.bundle import FollowsCells
from torchinspect.distributed.alone import this_rank_alone
from torchinspect.distributed.detect import is_sharded
from torchinspect.graph.long_texts import short_strings, short_text
from torchinspect.model.snapshot import MIME_TYPE, model_snapshot, require_module
from torchinspect.model.text import static_html, tree_lines
from torchinspect.protocol import REFRESH_REQUEST, Buffers, answer_once, error_reply, reply_id
from torchinspect.requests import answer
from torchinspect.tensor.long_shapes import is_long, sent_dims, sent_snapshot
from torchinspect.tensor.metadata import readable_grad
from torchinspect.tensor.snapshot import jsonable, snapshot

_SHARDED_REFRESH = (
    "torchinspect: this model's parameters are DTensors, whose norms every rank of the mesh reduces "
    "together; call inspect(model) on every rank again to see them now."
)


class ModelInspector(FollowsCells):
    """Shows an ``nn.Module``: its module tree, parameter counts and bytes, buffers, and each
    parameter's grad; the page may open one parameter's tensor card (``selected``).

    Holds the module weakly: displaying it keeps nothing of the user's program alive.
    """

    model = traitlets.Dict().tag(sync=True)
    """The module as ``torchinspect.model/1``."""
    selected = traitlets.Unicode("").tag(sync=True)
    """Set from the page: the name of the parameter (or buffer) whose card is open; empty for none."""
    parameter = traitlets.Dict().tag(sync=True)
    """The tensor snapshot (torchinspect.tensor/1) of ``selected``; empty when none is."""

    _page_writable = frozenset({"paused", "selected"})

    def __init__(self, model: torch.nn.Module, *, name: str | None = None, **kwargs: Any) -> None:
        name = short_text(name) if isinstance(name, str) else name  # model_snapshot() refuses a non-string
        super().__init__(model=_sent_model(model_snapshot(model, name=name)), **kwargs)
        self._model = weakref.ref(model)
        self._name = name
        self._seen = _changes_of(model)
        self.on_msg(self._answer)
        # A model of DTensors (FSDP2, tensor parallel) keeps the norms its ranks reduced together at
        # this call: a refresh would run on this rank alone, which cannot reduce them.
        self._sharded = any(is_sharded(p) for p in model.parameters())
        if not self._sharded:
            self._follow()

    def refresh(self, *, force: bool = False) -> None:
        """Take a new snapshot if a parameter, a grad or a buffer changed since the last one."""
        model = self._still_there(self._model)
        if model is None or self._sharded:
            return
        changes = _changes_of(model)
        if not force and changes == self._seen:
            return
        self._seen = changes
        self.model = _sent_model(model_snapshot(model, name=self._name))
        self._show_selected()

    @traitlets.observe("selected")
    def _on_select(self, _change: dict[str, Any]) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        tensor = self._selected_tensor()
        with this_rank_alone():  # the page asks this rank alone: a DTensor's card is its layout
            self.parameter = {} if tensor is None else sent_snapshot(snapshot(tensor, name=self.selected))

    def _selected_tensor(self) -> torch.Tensor | None:
        """The parameter or buffer named ``selected``, looked up by name (nothing is evaluated): by the
        name the page lists, which is shortened past 200 characters (``short_strings``), or in full."""
        model = self._model()
        if model is None or not self.selected:
            return None
        named: dict[str, torch.Tensor] = dict(model.named_parameters(remove_duplicate=False))
        named.update(model.named_buffers(remove_duplicate=False))
        tensor = named.get(self.selected)
        if tensor is None:
            tensor = next((t for path, t in named.items() if short_text(path) == self.selected), None)
        return None if tensor is None or torch.nn.parameter.is_lazy(tensor) else tensor

    def _answer(self, _widget: ModelInspector, message: object, _buffers: list[bytes]) -> None:
        if self._counted_view(message):
            return
        if isinstance(message, dict) and message.get("kind") == REFRESH_REQUEST:
            if self._sharded:
                self.send(error_reply(message, _SHARDED_REFRESH))
                return
            self.refresh(force=True)
            self.send({"kind": REFRESH_REQUEST, "id": reply_id(message)})
            return
        # The open card's slicer asks for other slices of the selected tensor.
        selected = self._selected_tensor()
        buffers: Buffers
        if selected is None:
            reply, buffers = error_reply(message, "torchinspect: no parameter is open; click one in the table"), []
        else:
            reply, buffers = answer_once(message, lambda: answer(message, weakref.ref(selected)))
        self.send(reply, buffers)

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        """The summary and the tree as text, and the snapshot, for outputs without the widget."""
        text = "\n".join([self.model["summary"], *tree_lines(self.model)[1:]])
        return {"text/plain": text, "text/html": static_html(self.model), MIME_TYPE: jsonable(self.model)}, {}


def inspect_model(model: torch.nn.Module, *, name: str | None = None) -> ModelInspector:
    """Show an ``nn.Module`` in the notebook; ``torchinspect.inspect`` calls this for modules.

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> inspect_model(model, name="model").model["summary"]
        'model: Sequential, 9 parameters (36 B), all trainable'
    """
    return ModelInspector(require_module(model, "inspect"), name=name)


def _changes_of(model: torch.nn.Module) -> tuple[Any, ...]:
    """What a refresh compares: each parameter's version, trainability and grad, each buffer's
    version; an optimizer step, a backward() or a zero_grad() each change it."""
    parameters = tuple((id(p), p._version, p.requires_grad, _grad_state(readable_grad(p))) for p in model.parameters())
    buffers = tuple((id(b), b._version) for b in model.buffers())
    return parameters, buffers


def _grad_state(grad: torch.Tensor | None) -> tuple[int, int] | None:
    return None if grad is None else (id(grad), grad._version)


def _sent_model(snap: dict[str, Any]) -> dict[str, Any]:
    """The model snapshot as the page gets it: every string past 200 characters shortened, every
    tensor's shape past ``long_shapes.SENT_DIMS`` dimensions cut, as the graph's are."""
    snap = short_strings(snap)
    for key in ("parameters", "buffers"):
        if any(is_long(row["shape"]) for row in snap[key]):
            snap = {**snap, key: [{**row, "shape": sent_dims(row["shape"])} for row in snap[key]]}
    return snap
