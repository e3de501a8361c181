"""``find_nan``: run a function under the check, and report where the first NaN or Inf began."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from torchinspect._kernel import notebook_namespace
from torchinspect.graph.naming import NameTable, name_table
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.nan.modules import ModuleStack
from torchinspect.nan.origin import clean_report, found_report, ring_origin
from torchinspect.nan.report import NanReport
from torchinspect.nan.watch import Found, NonFiniteWatch


class _Stop(BaseException):
    """Ends the user's function at the origin; a BaseException, so ``except Exception`` lets it by."""


def find_nan(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> NanReport:
    r"""Run ``fn(*args, **kwargs)`` and report where its first NaN or Inf began.

    Every op the function runs, in its forward and in any ``backward()`` it calls, is checked
    as it runs (under a torch dispatch mode): the first op whose inputs are all finite and
    whose output is not is the origin. The function stops there, so that nothing after it
    runs (no optimizer step applies a NaN update). A NaN already present in what the
    function is given is reported as coming from that input.

    The report says the phase (``"forward"`` or ``"backward"``), the op as a learner reads it
    (in backward, the forward op whose backward made it), the kind (``"nan"``, ``"+inf"``,
    ``"-inf"``), the innermost module running and the user's line (in backward, the forward
    line that made the node), the op's inputs and output as tensor snapshots with the first
    non-finite element located, and the backward graph with the origin's node. In a notebook
    it shows as a widget.

    Nothing of the program is changed: the module hooks are removed when the call ends, no
    tensor is kept, and when nothing is found the function ran exactly as it would have.

    Args:
        fn: the function to run: a forward, a loss, or a training step that calls ``backward()``.
        args, kwargs: what to call it with.

    Returns:
        A ``NanReport``; ``report.found`` is False when every output was finite.

    Example::

        >>> import torch, torchinspect
        >>> x = torch.tensor([1.0, -2.0, 3.0])
        >>> report = torchinspect.find_nan(lambda t: (torch.log(t) * 2).sum(), x)
        >>> report.found, report.phase, report.op, report.kind
        (True, 'forward', 'log', 'nan')
        >>> report.data["index"], report.data["inputs"][0]["value"]
        ([1], -2.0)
        >>> torchinspect.find_nan(lambda t: t.exp().sum(), x).found
        False
    """
    if not callable(fn):
        raise TypeError(
            "torchinspect.find_nan() takes the function to run, then its arguments: "
            f"find_nan(train_step, batch) or find_nan(model, x); got {type(fn).__name__} as the function."
        )
    search = _Search(fn, args, kwargs)
    with ModuleStack() as modules, NonFiniteWatch(search.found, modules, keep_backward_root=True) as watch:
        search.watch, search.modules = watch, modules
        try:
            fn(*args, **kwargs)
        except _Stop:
            pass
        watch.keep_backward_root = False
        watch.backward_root = None
        search.ring_forward_origin()
    return NanReport(search.report if search.report is not None else clean_report(watch.checked_ops))


class _Search:
    """One call of ``find_nan``: what it was given, and the report once the origin is found."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.watch: NonFiniteWatch | None = None
        self.modules: ModuleStack | None = None
        self.report: dict[str, Any] | None = None
        self._origin: tuple[Any, int | None] | None = None

    def found(self, found: Found) -> None:
        watch = self.watch
        assert watch is not None
        self.report = found_report(found, watch, self._names())
        if found.backward_node is not None:
            roots = [watch.backward_root or found.backward_node]
            ring_origin(self.report, graph_for_view(*roots, params=self._params()), found.sequence_nr)
            raise _Stop
        # The origin's node is made once its op returns: the graph is read at the next op.
        self._origin = (found.output, found.sequence_nr)
        watch.after_found = self._ring_then_stop

    def ring_forward_origin(self) -> None:
        """Add the graph behind the forward origin's output, and let the output go."""
        if self._origin is None or self.report is None:
            return
        output, sequence_nr = self._origin
        self._origin = None
        if isinstance(output, torch.Tensor) and output.grad_fn is not None:
            ring_origin(self.report, graph_for_view(output, params=self._params()), sequence_nr)

    def _ring_then_stop(self) -> None:
        self.ring_forward_origin()
        raise _Stop

    def _params(self) -> Any:
        """What names the graph's leaves: the model that ran (its parameters' dotted names)."""
        if isinstance(self.fn, torch.nn.Module):
            return self.fn
        outermost = None if self.modules is None or self.modules.outermost is None else self.modules.outermost()
        return outermost

    def _names(self) -> NameTable:
        """The names of what the function was given, then the module's and the notebook's."""
        names = name_table(self._params(), notebook_namespace())
        try:
            bound = inspect.signature(self.fn).bind(*self.args, **self.kwargs)
        except (TypeError, ValueError):
            return names
        for name, value in bound.arguments.items():
            if isinstance(value, torch.Tensor):
                names[id(value)] = name
        return names
