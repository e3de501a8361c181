"""The notebook widget: ``inspect(t)`` and the anywidget class it returns.

The widget only wires a snapshot to the front end; what it shows is decided by
the snapshot (``tensor.snapshot``) and drawn by the bundle built from js_src/.
"""

from __future__ import annotations

import json
import warnings
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple

import torch
import traitlets

from torchinspect.bundle import FollowsCells, KernelOwned
from torchinspect.distributed.detect import is_sharded
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import MIME_TYPE as GRADIENTS_MIME_TYPE
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.long_texts import short_text
from torchinspect.graph.snapshot import MIME_TYPE as GRAPH_MIME_TYPE
from torchinspect.graph.snapshot import SAVED_GRAPH_CHARACTERS, graph_for_view
from torchinspect.graph.wire import (
    FIRST_PAYLOAD_BYTES,
    WalkCache,
    bounded_with_gradients,
    payload_bytes,
    sent_graph,
    weak_params,
)
from torchinspect.model.widget import ModelInspector, inspect_model
from torchinspect.protocol import REFRESH_REQUEST, answer_once, reply_id
from torchinspect.requests import answer
from torchinspect.tensor.comparison import comparison
from torchinspect.tensor.long_shapes import sent_snapshot
from torchinspect.tensor.metadata import readable_grad
from torchinspect.tensor.snapshot import MIME_TYPE, jsonable, require_tensor, snapshot, to_json
from torchinspect.tensor.text import static_html
from torchinspect.tensor.values import contents_checksum

if TYPE_CHECKING:
    from torchinspect.distributed.widget import ShardedInspector

COMPARISON_MIME_TYPE = "application/vnd.torchinspect.comparison+json"
"""The MIME type under which a saved ``compare()`` output carries its comparison."""


class Inspector(FollowsCells):
    """Shows one tensor in the notebook, from its snapshot, and the graph it came from.

    It holds the snapshots and a weak reference to the tensor, through which it
    answers the page's requests for other slices and refreshes after each cell
    when the tensor changed (see ``live``); displaying an inspector keeps nothing
    of the user's program alive.
    """

    snapshot = traitlets.Dict().tag(sync=True)
    graph = traitlets.Dict().tag(sync=True)
    """The backward graph behind the tensor (torchinspect.graph/1); empty for a leaf."""
    gradients = traitlets.Dict().tag(sync=True)
    """The gradients at every node of the graph in the last backward pass through it
    (torchinspect.gradients/1); empty until one ran."""
    sees_every_write = traitlets.Bool(True).tag(sync=True)
    """Whether a refresh sees every write: False where the values are too many (or not on the
    CPU) to checksum after each cell, so that a write through ``t.data`` or through a NumPy
    array sharing the memory shows only on Refresh."""

    _page_writable = frozenset({"paused"})
    # Read by close(), which ipywidgets also calls on an inspector whose __init__ failed.
    _recorder: GradientRecorder | None = None

    def __init__(self, tensor: torch.Tensor, *, name: str | None = None, params: Any = None, **kwargs: Any) -> None:
        self._walked = WalkCache()  # the graph the parts the page asks for are cut from; close() reads it
        # Shortened as the graph's names are, so that the saved state stays bounded; snapshot() refuses a non-string.
        name = short_text(name) if isinstance(name, str) else name
        card = sent_snapshot(snapshot(tensor, name=name))
        graph = (
            {}
            if tensor.grad_fn is None
            else sent_graph(graph_for_view(tensor, params=params), self._walked, _beside(card))
        )
        super().__init__(snapshot=card, graph=graph, **kwargs)
        self._tensor = weakref.ref(tensor)
        self._params = weak_params(params)
        self._name = name
        self._seen = _changes_of(tensor)
        self.sees_every_write = self._seen.contents is not None
        self._recorder = _recorder_of(tensor)
        self.on_msg(self._answer)
        self._follow()

    def refresh(self, *, force: bool = False) -> None:
        """Take a new snapshot if the tensor changed since the last one (or if forced).

        Gradients recorded by a backward pass since the last refresh are published too.
        """
        self._publish_gradients()
        tensor = self._still_there(self._tensor)
        if tensor is None:
            return
        changes = _changes_of(tensor)
        if not force and changes == self._seen:
            return
        card = sent_snapshot(snapshot(tensor, name=self._name))
        if changes.grad_fn != self._seen.grad_fn:
            self._walked.gradients = {}
            self.graph = (
                {}
                if tensor.grad_fn is None
                else sent_graph(graph_for_view(tensor, params=self._params()), self._walked, _beside(card))
            )
            self._close_recorder()
            self._recorder = _recorder_of(tensor)
            self.gradients = {}
        elif self.graph and _beside(card) < _beside(self.snapshot):  # a grown card leaves the graph less room
            self._bound_graph(card)
        self._seen = changes
        self.sees_every_write = changes.contents is not None
        self.snapshot = card

    def close(self) -> None:
        """Stop following the tensor and let ipywidgets forget this widget and its layout.

        Displaying it again afterwards shows its last picture, without the live widget.
        """
        self._close_recorder()
        self._walked.forget()  # the graph parts were cut from: tens of MB for a big one
        super().close()

    def _publish_gradients(self) -> None:
        taken = None if self._recorder is None else self._recorder.take_record()
        if taken is None:
            return
        recorded, passes = taken
        self._walked.forget()  # the pass released what the nodes saved
        self._walked.gradients = gradient_report(recorded, passes, self.graph)
        self._bound_graph(self.snapshot)
        if recorded.error is not None:
            warnings.warn(f"torchinspect: some gradients could not be recorded: {recorded.error}", stacklevel=2)

    def _bound_graph(self, card: dict[str, Any]) -> None:
        """Send the graph and the gradients within what the card leaves of the bound, together: a
        record too big beside the graph as sent has the graph cut further (G4's is 267 KB)."""
        params = self._params()

        def whole() -> dict[str, Any] | None:
            tensor = self._tensor()
            return None if tensor is None else self._walked.graph_for(tensor, params)

        bounded = bounded_with_gradients(self.graph, self._walked.gradients, _beside(card), whole)
        if bounded.depth is not None:
            self._walked.sent(bounded.depth)
        self.graph, self.gradients = bounded.graph, bounded.gradients

    def _close_recorder(self) -> None:
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None

    def _answer(self, _widget: Inspector, message: object, _buffers: list[bytes]) -> None:
        if self._counted_view(message):
            return
        if isinstance(message, dict) and message.get("kind") == REFRESH_REQUEST:
            self.refresh(force=True)
            self.send({"kind": REFRESH_REQUEST, "id": reply_id(message)})
            return
        reply, buffers = answer_once(
            message, lambda: answer(message, self._tensor, params=self._params, walked=self._walked)
        )
        self.send(reply, buffers)

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        data = {
            "text/plain": self.snapshot["summary"],
            "text/html": static_html(self.snapshot),
            MIME_TYPE: jsonable(self.snapshot),
            **_saved_graph(self.graph, self.gradients),
        }
        return data, {}


class Comparison(KernelOwned):
    """Shows two tensors side by side, their difference, and ``assert_close``'s verdict."""

    comparison = traitlets.Dict().tag(sync=True)

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        return {
            "text/plain": _verdict_line(self.comparison["verdict"]),
            COMPARISON_MIME_TYPE: jsonable(self.comparison),
        }, {}


def compare(
    actual: torch.Tensor,
    expected: torch.Tensor,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    names: tuple[str, str] = ("actual", "expected"),
) -> Comparison:
    """Show two tensors side by side with their difference and ``assert_close``'s verdict.

    For the lesson's check of a gradient against its closed form:
    ``compare(x.grad, 0.5 * (A + A.T) @ x, names=("x.grad", "½(A + Aᵀ)x"))``.
    The tolerances are the dtype's defaults of ``torch.testing.assert_close`` unless given.
    See ``torchinspect.tensor.comparison.comparison`` for the data.

    Example:
        >>> import torch
        >>> from torchinspect import compare
        >>> compare(torch.ones(3), torch.ones(3)).comparison["verdict"]["passed"]
        True
    """
    return Comparison(comparison=comparison(actual, expected, rtol=rtol, atol=atol, names=names))


def _saved_graph(graph: dict[str, Any], gradients: dict[str, Any]) -> dict[str, Any]:
    """The graph and gradients a saved output carries, as long as they fit SAVED_GRAPH_CHARACTERS."""
    if not graph:
        return {}
    graph_text = to_json(graph)
    if len(graph_text) > SAVED_GRAPH_CHARACTERS:
        return {}
    saved = {GRAPH_MIME_TYPE: json.loads(graph_text)}
    gradients_text = to_json(gradients) if gradients else ""
    if gradients and len(graph_text) + len(gradients_text) <= SAVED_GRAPH_CHARACTERS:
        saved[GRADIENTS_MIME_TYPE] = json.loads(gradients_text)
    return saved


def _verdict_line(verdict: dict[str, Any]) -> str:
    if verdict["passed"]:
        return f"close: assert_close passes (rtol={verdict['rtol']:g}, atol={verdict['atol']:g})"
    return f"not close: {verdict['message'].splitlines()[0]} ({verdict['mismatched']} of {verdict['total']} elements)"


class _Changes(NamedTuple):
    """What a refresh compares: in-place changes, a new or changed grad, a new graph, and
    what the version counter does not count: a new ``t.data``, ``requires_grad_``, and, where
    reading the values is cheap, writes through ``t.data`` or a NumPy array sharing memory."""

    version: int | None
    grad: tuple[int, int] | None
    grad_fn: tuple[str, int] | None
    storage: tuple[int, tuple[int, ...], tuple[int, ...], bool]
    contents: int | None


def _changes_of(tensor: torch.Tensor) -> _Changes:
    grad = readable_grad(tensor)
    grad_fn = tensor.grad_fn
    return _Changes(
        version=None if tensor.is_inference() else tensor._version,
        grad=None if grad is None else (id(grad), grad._version),
        grad_fn=None if grad_fn is None else (type(grad_fn).__name__, grad_fn._sequence_nr()),
        storage=_storage_of(tensor),
        contents=contents_checksum(tensor),
    )


def _storage_of(tensor: torch.Tensor) -> tuple[int, tuple[int, ...], tuple[int, ...], bool]:
    """Where the values live and how they are laid out, and whether the tensor requires grad."""
    strided = tensor.layout == torch.strided and not tensor.is_nested and tensor.device.type != "meta"
    return (
        tensor.data_ptr() if strided else 0,
        () if tensor.is_nested else tuple(tensor.shape),
        tuple(tensor.stride()) if strided else (),
        tensor.requires_grad,
    )


# The widget's traits but the snapshot, the graph and the gradients, and a card's text changing
# with its values at a refresh: within this, a saved widget, state or output, keeps to the bound.
_BESIDE_THE_CARD = 4_096


def _beside(card: dict[str, Any]) -> int:
    """What the bound leaves the graph and its gradients beside the card, as a saved output carries
    it: its preview's values too (85 KB for a 1,000 × 1,000 tensor, 1 KB for a loss)."""
    text = payload_bytes({"text/plain": card["summary"], "text/html": static_html(card), MIME_TYPE: jsonable(card)})
    return FIRST_PAYLOAD_BYTES - text - _BESIDE_THE_CARD


def _recorder_of(tensor: torch.Tensor) -> GradientRecorder | None:
    """Arm the graph behind the tensor: its backward passes are recorded while we live."""
    return None if tensor.grad_fn is None else GradientRecorder(tensor)


def inspect(
    t: torch.Tensor | torch.nn.Module, *, name: str | None = None, params: Any = None, rank: int = 0
) -> Inspector | ModelInspector | ShardedInspector | None:
    """Show a tensor in the notebook: what it is, what is in it, its grad and its graph.

    An ``nn.Module`` shows as its module tree, parameters and buffers (``ModelInspector``,
    see ``torchinspect.model``).

    Returns an ``Inspector`` widget, which the notebook displays when it is the
    last expression of a cell (elsewhere, pass it to ``display``). The widget
    keeps no reference to the tensor. A tensor made by operations shows the
    backward graph it came from; its leaves are named from ``params``, then from
    the notebook's variables.

    Args:
        t: any ``torch.Tensor``.
        name: what to call the tensor in the view, such as the variable's name.
        params: names for the graph's leaves, as ``autograd_graph`` takes them: a
            mapping such as ``{"x": x}`` or an ``nn.Module``.
        rank: for a ``DTensor``, the rank that shows it: every rank of its mesh calls
            ``inspect`` (the statistics are reduced across them), this one gets a
            ``ShardedInspector`` and the others ``None``.

    Example:
        >>> import torch
        >>> from torchinspect import inspect
        >>> x = torch.arange(4.0, requires_grad=True)
        >>> inspect(x, name="x").snapshot["summary"]
        'x: tensor[4] float32 cpu ∈[0, 3] μ=1.5 σ=1.291 requires_grad leaf grad=None'
    """
    if isinstance(t, torch.nn.Module):
        return inspect_model(t, name=name)
    tensor = require_tensor(t, "inspect")
    if is_sharded(tensor):
        from torchinspect.distributed.widget import inspect_sharded

        return inspect_sharded(tensor, name=name, rank=rank)
    return Inspector(tensor, name=name, params=params)
