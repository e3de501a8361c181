"""The check: a torch dispatch mode that looks at every op's floating outputs.

On the clean path an op costs one reduction per output (a sum, which is non-finite whenever
any element is) and one read of the result: one device sync per checked op. Only when an
output is not finite are the inputs read, exactly. Ops whose outputs alias their inputs
(views) or hold no values yet (``empty``) are not checked: a view's values were checked when
they were made.

During the forward, the mode also notes, for each autograd node made, the op, the user's line
and the module that made it, keyed by the node's sequence number, so that a NaN born in
backward is traced back to the forward line that created its node.
"""

from __future__ import annotations

import cmath
import functools
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import torch
from torch.autograd.graph import Node
from torch.utils._python_dispatch import TorchDispatchMode

from torchinspect.graph.nodes import forward_op_name
from torchinspect.nan.frames import apply_caller_line, user_line
from torchinspect.nan.modules import ModuleStack, Running
from torchinspect.tensor.many_dims import within_torch_dims

# Ops whose outputs hold no values yet (or whose memory is the user's to fill).
_UNINITIALIZED = frozenset(
    {"empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "resize_", "set_"}
)
# In-place ops whose result does not depend on what they overwrite (dropout's bernoulli_ fills
# an empty tensor): what was there before is not read.
_OVERWRITTEN_WHOLE = frozenset(
    {
        "fill_",
        "zero_",
        "copy_",
        "bernoulli_",
        "normal_",
        "uniform_",
        "random_",
        "exponential_",
        "geometric_",
        "cauchy_",
        "log_normal_",
    }
)
# Sequence numbers noted at most; past it the older half is forgotten (a long training loop).
MAX_NOTED_NODES = 1_000_000
_NO_GRAPH_TASK = -1


class OpInfo(NamedTuple):
    """What the check needs to know of an op, read once per op overload."""

    name: str
    checked: bool
    mutated: tuple[int, ...]
    """Positions of the arguments the op writes into and whose values it reads (``add_``'s self;
    not ``out=`` tensors, nor what ``fill_``, ``copy_`` or ``bernoulli_`` overwrite whole)."""
    argument_names: tuple[str, ...]


class Created(NamedTuple):
    """Where an autograd node was made during the forward (its op is the node's own name)."""

    line: tuple[types.CodeType, int] | None
    module: Running | None
    in_selected_module: bool


class Found(NamedTuple):
    """The first non-finite output, while its op's tensors are still at hand."""

    func: Any
    op: OpInfo
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any
    mutated_were_finite: bool
    backward_node: Node | None
    sequence_nr: int | None
    """The sequence number of the op's autograd node: in backward, the node running."""
    line: tuple[types.CodeType, int] | None
    module: Running | None


@functools.cache
def op_info(func: Any) -> OpInfo:
    schema = func._schema
    name = func.overloadpacket.__name__
    overwrites = name in _OVERWRITTEN_WHOLE
    mutated = tuple(
        index
        for index, argument in enumerate(schema.arguments)
        if argument.alias_info is not None
        and argument.alias_info.is_write
        and not argument.is_out
        and not (overwrites and index == 0)
    )
    checked = not func.is_view and name not in _UNINITIALIZED
    return OpInfo(name.lstrip("_"), checked, mutated, tuple(argument.name for argument in schema.arguments))


class NonFiniteWatch(TorchDispatchMode):
    """Checks each op's floating outputs; at the first non-finite one, calls ``on_found``.

    ``ops`` limits the check to ops of these names (in backward, to the backward of these
    forward ops); a ``modules`` stack with a selection limits it to ops run inside the
    selected modules (in backward, to nodes those modules made).
    """

    def __init__(
        self,
        on_found: Callable[[Found], None],
        modules: ModuleStack,
        ops: frozenset[str] | None = None,
        *,
        keep_backward_root: bool = False,
    ) -> None:
        super().__init__()
        self.on_found = on_found
        self.modules = modules
        self.ops = ops
        self.created: dict[int, Created] = {}
        self.checked_ops = 0
        self.done = False
        self.after_found: Callable[[], None] | None = None
        """Called once, at the first op after the one found (the origin's node is made by then)."""
        self.keep_backward_root = keep_backward_root
        self.backward_root: Node | None = None
        """The first node the latest backward ran (its root), when asked to keep it."""
        self._graph_task = _NO_GRAPH_TASK
        self._last_sequence_nr = torch.autograd._get_sequence_nr()

    def __torch_dispatch__(
        self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        kwargs = kwargs or {}
        op = op_info(func)
        if self.done:
            self._call_after_found()
            return func(*args, **kwargs)
        graph_task = torch._C._current_graph_task_id()
        in_backward = graph_task != _NO_GRAPH_TASK
        noted = None if in_backward else self._note_node()
        if in_backward and self.keep_backward_root and graph_task != self._graph_task:
            self._graph_task = graph_task
            self.backward_root = torch._C._current_autograd_node()
        if not op.checked:
            return func(*args, **kwargs)
        if not self._selected(op, in_backward):
            return func(*args, **kwargs)
        self.checked_ops += 1
        with torch._C._AutoDispatchBelowAutograd():
            before = _total(_tensors_at(args, kwargs, op)) if op.mutated else None
            output = func(*args, **kwargs)
            after = _total(_floating(output))
            finite = _finite_now(after, before, output)
        if finite is not True:
            self.done = True
            node = torch._C._current_autograd_node() if in_backward else None
            sequence_nr = noted if node is None else node._sequence_nr()
            line = None if in_backward else user_line(sys._getframe(1))
            module = None if in_backward else self.modules.innermost()
            self.on_found(Found(func, op, args, kwargs, output, finite is False, node, sequence_nr, line, module))
        return output

    def _call_after_found(self) -> None:
        after_found, self.after_found = self.after_found, None
        if after_found is not None:
            after_found()

    def created_by(self, node: Node | None) -> Created | None:
        """What made the node in the forward, if it was made while this mode watched."""
        return None if node is None else self.created.get(node._sequence_nr())

    def _note_node(self) -> int | None:
        """Notes what made the op's autograd node, if it has one; returns its sequence number."""
        sequence_nr = torch.autograd._get_sequence_nr()
        if sequence_nr == self._last_sequence_nr:
            return None
        self._last_sequence_nr = sequence_nr
        if len(self.created) >= MAX_NOTED_NODES:
            self.created = dict(list(self.created.items())[MAX_NOTED_NODES // 2 :])
        # The node of this op was made just before it was dispatched, with the number before;
        # under no_grad, the node is a custom Function's, made by its apply before its forward.
        frame = sys._getframe(2)
        line = user_line(frame) if torch.is_grad_enabled() else apply_caller_line(frame)
        self.created[sequence_nr - 1] = Created(line, self.modules.innermost(), self.modules.selected_depth > 0)
        return sequence_nr - 1

    def _selected(self, op: OpInfo, in_backward: bool) -> bool:
        if self.ops is None and not self.modules.selected:
            return True
        if in_backward:
            node = torch._C._current_autograd_node()
            created = self.created_by(node)
            name = forward_op_name(node.name()) if node is not None else op.name
            inside = created is not None and created.in_selected_module
        else:
            name, inside = op.name, self.modules.selected_depth > 0
        named = self.ops is None or not self.ops.isdisjoint((name, op.name, op.name.rstrip("_")))
        return named and (not self.modules.selected or inside)


def _floating(value: Any) -> Iterator[torch.Tensor]:
    """The floating and complex tensors in an op's output (a tensor, or lists and tuples)."""
    if isinstance(value, torch.Tensor):
        if (value.is_floating_point() or value.is_complex()) and _has_values(value):
            yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _floating(item)


def _has_values(tensor: torch.Tensor) -> bool:
    return tensor.layout is torch.strided and not tensor.is_meta and not tensor.is_nested


def _tensors_at(args: tuple[Any, ...], kwargs: dict[str, Any], op: OpInfo) -> Iterator[torch.Tensor]:
    """The floating tensors an op writes into, as they are before it runs."""
    for index in op.mutated:
        value = args[index] if index < len(args) else kwargs.get(op.argument_names[index])
        yield from _floating(value)


def _total(tensors: Iterator[torch.Tensor]) -> torch.Tensor | None:
    """One number that is finite if every element of the tensors is (or overflowed: see below)."""
    total: torch.Tensor | None = None
    for tensor in tensors:
        values = torch.view_as_real(tensor) if tensor.is_complex() else tensor
        part = values.sum(dtype=torch.float32) if values.element_size() < 4 else values.sum()
        total = part if total is None else total + part
    return total


def _finite_now(after: torch.Tensor | None, before: torch.Tensor | None, output: Any) -> bool | None:
    """True if the output is finite; False if not, from finite inputs it wrote into (or none);
    None if not, from inputs it wrote into that were not finite already (or whose sum overflowed:
    their elements cannot be read again once overwritten). One read of the device.

    A sum of large finite outputs may overflow: the elements are then checked one by one.
    """
    if after is None:
        return True
    if before is None:
        if cmath.isfinite(after.item()) or _every_element_finite(output):
            return True
        return False
    after_value, before_value = torch.stack([after.double(), before.double()]).tolist()
    if cmath.isfinite(after_value) or _every_element_finite(output):
        return True
    return False if cmath.isfinite(before_value) else None


def _every_element_finite(output: Any) -> bool:
    return all(bool(torch.isfinite(within_torch_dims(tensor)).all()) for tensor in _floating(output))
