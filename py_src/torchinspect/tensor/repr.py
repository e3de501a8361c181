"""The one-line summary in every tensor's ``repr``, for terminals and plain Python; opt-in.

Importing torchinspect changes nothing of torch. ``install_repr()`` puts the summary line
above torch's own ``repr`` (so ``print(t)``, the REPL, debuggers, logs and IPython's
``text/plain`` show it) until the handle it returns is removed. torch's text stays whole
under the line: unlike lovely-tensors, which replaces the values by its summary, nothing a
user or a doctest reads from torch is hidden, only a line is added.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import torch

from torchinspect.tensor.snapshot import summary


class ReprHandle:
    """What ``install_repr`` returns: ``.remove()`` gives torch back its own ``repr``.

    Also a context manager: ``with torchinspect.install_repr(): print(t)``.
    """

    def __init__(self, original: Callable[..., str]) -> None:
        self._original = original
        self.active = True

    def remove(self) -> None:
        """Stop adding the summary. Safe to call twice, and after another library patched
        ``repr`` on top of ours (theirs stays, and ours passes straight through to torch's)."""
        if not self.active:
            return
        self.active = False
        global _installed
        _installed = None
        if getattr(torch.Tensor.__repr__, _MARK, None) is self:
            torch.Tensor.__repr__ = self._original  # type: ignore[method-assign]

    def __enter__(self) -> ReprHandle:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.remove()


_MARK = "_torchinspect_repr_handle"
_installed: ReprHandle | None = None
_busy = threading.local()


def install_repr() -> ReprHandle:
    """Show torchinspect's one-line summary above torch's own ``repr`` of every tensor.

    Nothing else changes: ``str``, ``print`` and the REPL go through ``repr``, and the
    values torch prints stay as they were, under the line. Computing the line reads the
    whole tensor once (exact statistics, as ``summary`` does); where it cannot be computed
    (a fake or functional tensor inside ``torch.compile``, say) torch's text is shown alone.
    Calling it again while installed returns the handle already installed.

    Returns:
        A ``ReprHandle``; its ``.remove()`` restores torch's ``repr``.

    Example:
        >>> import torch, torchinspect
        >>> handle = torchinspect.install_repr()
        >>> torch.arange(3.0)
        tensor[3] float32 cpu ∈[0, 2] μ=1 σ=1
        tensor([0., 1., 2.])
        >>> handle.remove()
        >>> torch.arange(3.0)
        tensor([0., 1., 2.])
    """
    global _installed
    if _installed is not None:
        return _installed
    original = torch.Tensor.__repr__
    handle = ReprHandle(original)

    def __repr__(self: torch.Tensor, *args: Any, **kwargs: Any) -> str:
        plain = original(self, *args, **kwargs)
        if not handle.active or getattr(_busy, "on", False):
            return plain
        line = _summary_or_none(self)
        return plain if line is None else f"{line}\n{plain}"

    setattr(__repr__, _MARK, handle)
    __repr__.__wrapped__ = original  # type: ignore[attr-defined]
    torch.Tensor.__repr__ = __repr__  # type: ignore[method-assign, assignment]
    _installed = handle
    return handle


def _summary_or_none(tensor: torch.Tensor) -> str | None:
    # A repr must never raise: the line is an addition, and torch's text is always there.
    # Reentrant calls (a repr made while computing the line) get torch's text alone.
    _busy.on = True
    try:
        return summary(tensor)
    except Exception:  # noqa: BLE001 - a repr must never raise
        return None
    finally:
        _busy.on = False
