"""The tensors of a namespace as rows for the Tensors sidebar: metadata, and NaN/Inf counts.

A listing is taken after every notebook cell, so it reads no values it can avoid. A row is
the tensor's metadata (read from its header: microseconds, whatever its size) and its counts
of NaN and ±Inf. Counting reads every value, so counts are cached per tensor and version, and
only a changed tensor is counted again, within a budget of elements per listing; a tensor
past the budget is counted by a later listing, or when it is opened (``remember``). A whole
row is kept too, and used again while nothing it shows can have changed (``_row_key``: the
version counter, the storage, shape, requires_grad and the grad), so an unchanged tensor
costs a few attribute reads and no pass over its data. The caches hold tensors weakly: a
listing keeps nothing of the user's program alive.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.nn.parameter import is_lazy

from torchinspect.tensor.metadata import DTYPE_NAMES, attempt, device_name, readable_grad, shape_of
from torchinspect.tensor.text import summary_line
from torchinspect.tensor.values import NoValues, as_real, chunks, is_integral, values_of

SCAN_BUDGET = 1 << 22
"""Elements counted for NaN/Inf per listing: a few milliseconds on a CPU."""
MAX_ROWS = 5000
"""Rows sent per listing; past it, the listing says how many were left out."""

Counts = dict[str, int]
Row = dict[str, Any]


@dataclass
class Listing:
    rows: dict[str, Row]
    """Rows by name, in namespace order: variables, then each module's parameters."""
    omitted: int = 0
    """Tensors past MAX_ROWS, not listed."""


@dataclass
class _Counted:
    tensor: weakref.ref[torch.Tensor]
    key: tuple[Any, ...]
    counts: Counts | None
    reason: str | None = None
    waiting: bool = False
    """Not counted because this listing's budget ran out: a later listing counts it."""


@dataclass
class _Listed:
    """A row as last built, and what it was built from."""

    tensor: weakref.ref[torch.Tensor]
    group: tuple[str, str] | None
    key: tuple[Any, ...] | None
    """None: build the row again at the next listing."""
    row: Row
    shows: tuple[int, ...]
    """The ids of the tensors whose counts the row shows: the tensor's, and its grad's."""


@dataclass
class _Budget:
    left: int


@dataclass
class TensorListing:
    """Lists the tensors of a namespace, remembering NaN/Inf counts from one listing to the next."""

    scan_budget: int = SCAN_BUDGET
    max_rows: int = MAX_ROWS
    _counted: dict[int, _Counted] = field(default_factory=dict)
    _listed: dict[str, _Listed] = field(default_factory=dict)

    def list(self, namespace: Mapping[str, Any], hidden: Mapping[str, Any] | None = None) -> Listing:
        """Every tensor of ``namespace`` and the parameters of its modules, as rows.

        Names starting with ``_`` and those in ``hidden`` (IPython's own variables) are
        skipped. A module's parameters are named by their dotted path (``model.0.weight``)
        and grouped under the module's variable.
        """
        listing = Listing(rows={})
        budget = _Budget(self.scan_budget)
        earlier, listed = self._listed, {}
        for name, tensor, group in _tensors_of(namespace, hidden or {}):
            if len(listing.rows) >= self.max_rows:
                listing.omitted += 1
                continue
            key = _row_key(tensor)
            known = earlier.get(name)
            if known is None or key is None or known.key != key or known.group != group or known.tensor() is not tensor:
                known = self._listed_row(name, tensor, group, key, budget)
            if known.key is not None:
                listed[name] = known
            listing.rows[name] = known.row
        self._listed = listed
        if len(self._counted) > 2 * len(listing.rows) + 64:
            self._counted = {ident: entry for ident, entry in self._counted.items() if entry.tensor() is not None}
        return listing

    def remember(self, tensor: torch.Tensor, statistics: Mapping[str, Any] | None) -> None:
        """Keep the NaN/Inf counts of a snapshot's statistics, so listings need not count them."""
        if statistics is not None:
            counts = {key: statistics[key] for key in ("nan", "posinf", "neginf")}
            self._counted[id(tensor)] = _Counted(weakref.ref(tensor), _change_key(tensor), counts)
            # Rows showing this tensor (as values or as a grad) are built again with the counts.
            self._listed = {name: entry for name, entry in self._listed.items() if id(tensor) not in entry.shows}

    def _listed_row(
        self,
        name: str,
        tensor: torch.Tensor,
        group: tuple[str, str] | None,
        key: tuple[Any, ...] | None,
        budget: _Budget,
    ) -> _Listed:
        """A new row; kept for later listings (``key`` set) unless its counts wait for a later budget."""
        row = self._row(name, tensor, group, budget)
        shown = (tensor, tensor.grad) if row["grad_shape"] is not None else (tensor,)
        if any(self._counted[id(t)].waiting for t in shown if id(t) in self._counted):
            key = None
        return _Listed(weakref.ref(tensor), group, key, row, tuple(id(t) for t in shown))

    def _row(
        self,
        name: str,
        tensor: torch.Tensor,
        group: tuple[str, str] | None,
        budget: _Budget,
    ) -> Row:
        try:
            row = _metadata_row(name, tensor, group)
        except Exception as error:  # noqa: BLE001 - one odd tensor must not hide the others
            return _unreadable_row(name, group, tensor, error)
        values = self._counts(tensor, budget)
        grad = tensor.grad if row["grad_shape"] is not None else None
        grad_counts = None if grad is None else self._counts(grad, budget)
        row["nonfinite"] = values.counts
        row["grad_nonfinite"] = None if grad_counts is None else grad_counts.counts
        row["not_counted"] = values.reason or (None if grad_counts is None else grad_counts.reason)
        return row

    def _counts(self, tensor: torch.Tensor, budget: _Budget) -> _Counted:
        key = _change_key(tensor)
        known = self._counted.get(id(tensor))
        if known is not None and known.tensor() is tensor and known.key == key and known.counts is not None:
            return known
        entry = _Counted(weakref.ref(tensor), key, None)
        size = _elements_to_read(tensor)
        if size is None:
            entry.counts = {"nan": 0, "posinf": 0, "neginf": 0}
        elif size > self.scan_budget:
            entry.reason = f"{size:,} values are too many to count after every cell; open it to count them"
        elif size > budget.left:
            entry.reason = "not counted yet: other tensors used this cell's budget; the next cell counts it"
            entry.waiting = True
        else:
            budget.left -= size
            try:
                entry.counts = nonfinite_counts(tensor)
            except NoValues as error:
                entry.reason = str(error)
            except Exception as error:  # noqa: BLE001 - a subclass may refuse; the row still shows
                entry.reason = f"could not be counted: {type(error).__name__}: {error}"
        self._counted[id(tensor)] = entry
        return entry


def nonfinite_counts(tensor: torch.Tensor) -> Counts:
    """How many NaN, +Inf and -Inf values ``tensor`` holds (complex: of its magnitudes).

    Raises NoValues when the tensor has none to read (a meta tensor).

    Example:
        >>> import torch
        >>> nonfinite_counts(torch.tensor([1.0, float("nan"), float("-inf"), float("nan")]))
        {'nan': 2, 'posinf': 0, 'neginf': 1}
    """
    counts = {"nan": 0, "posinf": 0, "neginf": 0}
    with torch.no_grad():
        for chunk in chunks(values_of(tensor.detach())):
            real = as_real(chunk)
            # A sum is finite unless a value is NaN or ±Inf (or it overflows, and then the
            # exact count below finds none): one fast reduction for the common, clean chunk.
            if math.isfinite(real.sum()):
                continue
            counts["nan"] += int(torch.isnan(real).sum())
            counts["posinf"] += int(torch.isposinf(real).sum())
            counts["neginf"] += int(torch.isneginf(real).sum())
    return counts


def changed_rows(sent: Mapping[str, Row], rows: Mapping[str, Row]) -> tuple[list[Row], list[str]]:
    """The rows that are new or differ from ``sent``, and the names no longer there."""
    # Rows kept from the last listing are the same objects: no need to compare their fields.
    changed = [row for name, row in rows.items() if sent.get(name) is not row and sent.get(name) != row]
    removed = [name for name in sent if name not in rows]
    return changed, removed


def _tensors_of(namespace: Mapping[str, Any], hidden: Mapping[str, Any]):
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_") or (name in hidden and hidden[name] is value):
            continue
        # type(), not isinstance(): a proxy's __class__ may run code, a listing must not.
        kind = type(value)
        if issubclass(kind, torch.Tensor):
            yield name, value, None
        elif issubclass(kind, torch.nn.Module):
            yield from _parameters_of(name, value)


def _parameters_of(name: str, module: torch.nn.Module):
    group = (name, type(module).__name__)
    try:
        parameters = list(module.named_parameters())
    except Exception:  # noqa: BLE001 - a module that cannot list its parameters lists none
        return
    for path, parameter in parameters:
        yield f"{name}.{path}", parameter, group


def _metadata_row(name: str, tensor: torch.Tensor, group: tuple[str, str] | None) -> Row:
    """What the tensor's header says, and the summary line the card would show without values."""
    grad = readable_grad(tensor)
    grad_fn = tensor.grad_fn
    fields: dict[str, Any] = {
        "name": None,
        "shape": shape_of(tensor),
        "dtype": DTYPE_NAMES[tensor.dtype],
        "device": device_name(tensor.device),
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
        "grad": None if grad is None else {"shape": shape_of(grad)},
    }
    return {
        "name": name,
        "group": None if group is None else group[0],
        "group_type": None if group is None else group[1],
        "summary": summary_line(fields),
        "shape": fields["shape"],
        "dtype": fields["dtype"],
        "device": fields["device"],
        "numel": attempt(tensor.numel),
        "requires_grad": fields["requires_grad"],
        "is_leaf": fields["is_leaf"],
        "grad_fn": fields["grad_fn"],
        "grad_shape": None if grad is None else fields["grad"]["shape"],
    }


def _change_key(tensor: torch.Tensor) -> tuple[Any, ...]:
    """What changes when the values may have: an in-place write, or new storage (``x.data = …``)."""
    version = None if tensor.is_inference() else tensor._version
    try:
        pointer = tensor.data_ptr()
    except (RuntimeError, NotImplementedError):
        pointer = None
    return version, pointer, tuple(tensor.shape) if not tensor.is_nested else None


def _row_key(tensor: torch.Tensor) -> tuple[Any, ...] | None:
    """What changes whenever a row may: None where it cannot be read cheaply (build the row again).

    In-place writes bump ``_version``; ``x.data = ...`` changes the storage; ``requires_grad_``,
    ``detach_`` and a new or accumulated grad change the rest. A write torch does not count
    (through ``t.data`` or NumPy) is not seen, as the NaN counts' own cache does not see it.
    """
    try:
        # Only a leaf's or a retaining tensor's grad is shown (and only theirs is read without a warning).
        grad = tensor._grad if tensor.is_leaf or tensor.retains_grad else None
        return (
            tensor._version,
            tensor.data_ptr(),
            tensor.shape,
            tensor.requires_grad,
            None if grad is None else (id(grad), grad._version, grad.data_ptr(), grad.shape),
        )
    except Exception:  # noqa: BLE001 - a lazy parameter or a subclass refuses: its row is built each time
        return None


def _elements_to_read(tensor: torch.Tensor) -> int | None:
    """Elements a count reads; None when the dtype holds no NaN or Inf (nothing to read)."""
    if is_integral(tensor.dtype) or tensor.is_quantized:
        return None
    if tensor.layout != torch.strided and not tensor.is_nested:
        try:
            return tensor._nnz()
        except (RuntimeError, NotImplementedError):
            return tensor.numel()
    return tensor.numel()


def _unreadable_row(name: str, group: tuple[str, str] | None, tensor: torch.Tensor, error: Exception) -> Row:
    if is_lazy(tensor):
        summary = "uninitialized (lazy) parameter: it has a shape once the module has run"
    else:
        summary = f"could not be read: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return {
        "name": name,
        "group": None if group is None else group[0],
        "group_type": None if group is None else group[1],
        "summary": summary,
        "shape": None, "dtype": None, "device": None, "numel": None,
        "requires_grad": None, "is_leaf": None, "grad_fn": None, "grad_shape": None,
        "nonfinite": None, "grad_nonfinite": None, "not_counted": None,
    }  # fmt: skip
