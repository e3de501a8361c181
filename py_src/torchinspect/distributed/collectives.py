"""all_reduce over every rank of a device mesh, each call bounded in time.

A mesh that spans the whole default group is reduced in one call on it; any other mesh is
reduced along each of its dimensions in turn (a sum along every dimension is the sum over the
mesh). Each call waits at most the timeout of ``collective_timeout`` (60 s unless set), so a
rank that never joins, or joins another call, ends in an error rather than a hang.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator
from typing import Any

import torch
import torch.distributed as dist

DEFAULT_TIMEOUT = 60.0
_timeout = contextvars.ContextVar("torchinspect_collective_timeout", default=DEFAULT_TIMEOUT)


@contextlib.contextmanager
def collective_timeout(seconds: float) -> Iterator[None]:
    """Within the block, each collective of a DTensor's snapshot waits at most ``seconds``.

    Every rank of the mesh must call ``snapshot``, ``summary`` or ``inspect`` of the same
    DTensor together; when one does not, the others raise after this long instead of waiting
    for ever. The default is 60 seconds.

    Example:
        >>> import torchinspect.distributed
        >>> with torchinspect.distributed.collective_timeout(5):
        ...     pass  # torchinspect.summary(dtensor) here waits at most 5 s per collective
    """
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not seconds > 0:
        raise ValueError(f"torchinspect: collective_timeout takes a positive number of seconds, got {seconds!r}.")
    token = _timeout.set(float(seconds))
    try:
        yield
    finally:
        _timeout.reset(token)


class CollectiveError(RuntimeError):
    """The ranks of a mesh did not take part in a snapshot together."""


class MeshReducer:
    """all_reduce of small float64 tensors over all the ranks of one device mesh."""

    def __init__(self, mesh: Any) -> None:
        self._groups = _groups_of(mesh)
        self.calls = 0

    def sum(self, values: torch.Tensor) -> torch.Tensor:
        return self._reduce(values, dist.ReduceOp.SUM)

    def max(self, values: torch.Tensor) -> torch.Tensor:
        return self._reduce(values, dist.ReduceOp.MAX)

    def _reduce(self, values: torch.Tensor, op: Any) -> torch.Tensor:
        seconds = _timeout.get()
        for group in self._groups:
            self.calls += 1
            try:
                work = dist.all_reduce(values, op=op, group=group, async_op=True)
                assert work is not None
                work.wait(timeout=datetime.timedelta(seconds=seconds))
            except RuntimeError as error:
                raise CollectiveError(
                    f"torchinspect: the ranks of the DTensor's mesh did not reduce its statistics together "
                    f"within {seconds:g} s ({error}). Every rank of the mesh must call snapshot, summary or "
                    "inspect of the same DTensor at the same point of the program (to print on one rank, call "
                    "line = summary(dtensor) on all of them, then print it on one); set the wait with "
                    "torchinspect.distributed.collective_timeout(seconds). The process group may now be out "
                    "of step: start it again before the next collective."
                ) from error
        return values


def require_process_group() -> None:
    """Raise the error that says what to do when torch.distributed is not initialised."""
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError(
            "torchinspect: this DTensor's statistics are computed by all the ranks of its mesh together, "
            "but no process group is initialised in this process. Launch the program with torchrun (or "
            "torch.multiprocessing) and call torch.distributed.init_process_group() on every rank; "
            "to look at one rank's shard alone, inspect dtensor.to_local()."
        )


def _groups_of(mesh: Any) -> list[Any]:
    if mesh.size() == dist.get_world_size():
        return [dist.group.WORLD]
    return [mesh.get_group(dim) for dim in range(mesh.ndim)]
