"""``nan_guard``: raise at the first non-finite output, with the facts of ``find_nan``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from torchinspect._kernel import notebook_namespace
from torchinspect.graph.naming import name_table
from torchinspect.nan.modules import ModuleStack
from torchinspect.nan.origin import found_report
from torchinspect.nan.report import NanReport
from torchinspect.nan.watch import Found, NonFiniteWatch


class NonFiniteError(FloatingPointError):
    """Raised by ``nan_guard`` at the first op that made a NaN or an Inf.

    Its message is the report's sentence and the user's line; ``error.report`` is the
    ``NanReport``, without a graph.
    """

    def __init__(self, report: NanReport) -> None:
        frame = report.frame
        line = f"\n    {frame['file']}:{frame['line']}: {frame['source']}" if frame else ""
        super().__init__(f"torchinspect: {report.sentence}{line}")
        self.report = report


class nan_guard:
    r"""Context manager that raises ``NonFiniteError`` at the first op that makes a NaN or Inf.

    Every op run inside the block, forward and backward, is checked as it runs (under a torch
    dispatch mode); the first output that is not finite raises, from inside that op, before
    anything else runs. The error is a ``FloatingPointError`` whose message says the op, the
    kind of value, the module and the user's line, as ``find_nan`` reports them.

    Module hooks put in place for the block are removed when it ends, even when it raises;
    nothing of the program is kept, and when nothing is raised it ran exactly as it would have.

    Args:
        ops: check only these ops, by the name a learner reads (``["log", "div"]``; in
            backward, the backward of these forward ops). All ops when None.
        modules: check only ops run inside these modules or their submodules (an
            ``nn.Module`` or several; in backward, the nodes they made). All when None.

    Example::

        >>> import torch, torchinspect
        >>> x = torch.tensor([1.0, 0.0])
        >>> with torchinspect.nan_guard():  # doctest: +ELLIPSIS
        ...     y = x / x
        Traceback (most recent call last):
          ...
        torchinspect.nan.guard.NonFiniteError: torchinspect: div at <doctest ...:2 made 1 NaN from 1 zero-over-zero division, e.g. div(0, 0)
            ...
    """

    def __init__(
        self, ops: Iterable[Any] | None = None, modules: torch.nn.Module | Iterable[torch.nn.Module] | None = None
    ) -> None:
        self._ops = None if ops is None else _op_names(ops)
        self._selected = frozenset() if modules is None else _module_ids(modules)
        self._active: tuple[ModuleStack, NonFiniteWatch] | None = None

    def __enter__(self) -> nan_guard:
        if self._active is not None:
            raise RuntimeError(
                "torchinspect.nan_guard() is entered once at a time: use a new nan_guard() for a nested block."
            )
        modules = ModuleStack(self._selected).__enter__()
        watch = NonFiniteWatch(self._raise, modules, self._ops)
        self._active = (modules, watch.__enter__())
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._active is not None
        modules, watch = self._active
        self._active = None
        try:
            watch.__exit__(*exc_info)
        finally:
            modules.__exit__(*exc_info)

    def _raise(self, found: Found) -> None:
        assert self._active is not None
        report = found_report(found, self._active[1], name_table(None, notebook_namespace()))
        raise NonFiniteError(NanReport(report))


def _op_names(ops: Iterable[Any]) -> frozenset[str]:
    if isinstance(ops, str):
        ops = [ops]
    names = []
    for op in ops:
        name = op if isinstance(op, str) else getattr(op, "__name__", None)
        if not isinstance(name, str):
            raise TypeError(
                "torchinspect.nan_guard() takes ops by name, such as ops=['log', 'div'] (or torch.log); "
                f"got {type(op).__name__}."
            )
        names.append(name)
    return frozenset(names)


def _module_ids(modules: torch.nn.Module | Iterable[torch.nn.Module]) -> frozenset[int]:
    given = [modules] if isinstance(modules, torch.nn.Module) else list(modules)
    for module in given:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                "torchinspect.nan_guard() takes modules as an nn.Module or a list of them, such as "
                f"modules=model.encoder; got {type(module).__name__}."
            )
    return frozenset(id(inner) for module in given for inner in module.modules())
