"""Recording which ``nn.Module`` made each autograd node, during the forward pass.

``record_modules(model)`` puts a forward pre-hook and a forward hook on every module
of the model while its block runs. The pre-hook notes where torch's sequence counter
stands, the hook where it stands at the end: the span of the nodes the call made. When
the outermost call ends, one walk back from the outputs of its calls stamps each node
made since it began with the path and class of the innermost call whose span holds it,
in the node's ``metadata``. The hooks are removed on exit, and the stamps live in the
nodes, which die with the graph.

Reading nodes from Python marks them the way any walk does (see ``safety``): a
long chain of read nodes crashes the process when it is freed. So the recording holds
the nodes it read, releases them one at a time, parents first, once only it owns
them, and on exit hands what the user still owns to ``safety`` when it is deep.
"""

from __future__ import annotations

import functools
import operator
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import torch
from torch import nn
from torch.autograd.graph import Node
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

from torchinspect.graph import safety
from torchinspect.graph.walk import grad_fns, reachable

MODULE_KEY = "module"
"""The ``node.metadata`` key of the module path: ``"layers.0.self_attn"``."""
MODULE_CLASS_KEY = "module_class"
"""The ``node.metadata`` key of the module's class name: ``"MultiheadAttention"``."""

# Modules recorded right now, so that a nested record_modules of the same modules adds
# no second set of hooks: the outer recording names them, with paths from its model.
_recorded: weakref.WeakSet[nn.Module] = weakref.WeakSet()

_ACCUMULATE_GRAD = torch._C._functions.AccumulateGrad  # type: ignore[attr-defined]
# A leaf's AccumulateGrad has the largest sequence number, yet it is an input.
_NO_SEQUENCE_NR = 2**64 - 1


class record_modules:
    r"""Context manager that stamps each autograd node with the module that made it.

    During the forward passes inside the block, every autograd node created by a
    module of ``model`` gets the module's qualified name (as ``model.named_modules()``
    gives it; ``""`` for ``model`` itself) in ``node.metadata["module"]`` and its class
    name in ``node.metadata["module_class"]``. Where modules nest, the innermost one
    names the node. A parameter's ``AccumulateGrad`` node is stamped with the module
    that owns the parameter. Nodes made outside the model, such as a loss, are not
    stamped.

    ``torchinspect.inspect`` and ``autograd_graph`` carry the stamps, and the graph
    view groups the nodes by module: each module is a box that opens on a click.

    It works with a forward pre-hook and a forward hook on each module, put there on
    entering the block and removed on leaving it, even when the block raises. The
    user's own hooks are left as they are, and no reference to the model is kept.
    Recording a module that an outer ``record_modules`` records already adds nothing:
    the outer recording names its nodes. A stamp is written once and never replaced.

    Nodes read from Python must be freed one at a time when the graph is deep (see
    ``torchinspect.graph.safety``), so the recording holds the nodes it read until only
    it owns them; it holds at most about one forward pass more than the user does.
    When the block ends inside a graph deeper than 1,000 nodes that is still alive,
    that graph is held like a deep ``autograd_graph`` snapshot.

    Without a model, ``record_modules()`` records every module's forward from then on, in
    every model of the notebook, through torch's global module hooks
    (``register_module_forward_pre_hook`` and ``register_module_forward_hook``), and returns
    a handle whose ``.remove()`` stops it (it is a context manager too). A module's path is
    then found as it runs, from the modules whose forward calls it: ``layers.0.self_attn``
    inside the encoder the user called, whose own path is ``""``.

    Args:
        model: the ``nn.Module`` whose modules name the autograd nodes; None to record
            every module's forward until ``.remove()``.

    Example::

        >>> import torch, torchinspect
        >>> from torch import nn
        >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        >>> with torchinspect.record_modules(model):
        ...     loss = model(torch.randn(2, 3)).sum()
        >>> graph = torchinspect.autograd_graph(loss)
        >>> [(node["op"], node["metadata"].get("module")) for node in graph["nodes"] if node["kind"] == "op"]
        [('SumBackward0', None), ('AddmmBackward0', '2'), ('ReluBackward0', '1'), ('TBackward0', '2'), ('AddmmBackward0', '0'), ('TBackward0', '0')]
        >>> graph["nodes"][2]["metadata"]
        {'module': '2', 'module_class': 'Linear'}

    The sum is not the model's, so it carries no module. Recording every module:

        >>> recording = torchinspect.record_modules()
        >>> loss = model(torch.randn(2, 3)).sum()
        >>> recording.remove()
        >>> graph = torchinspect.autograd_graph(loss)
        >>> [(node["op"], node["metadata"].get("module")) for node in graph["nodes"] if node["kind"] == "op"]
        [('SumBackward0', None), ('AddmmBackward0', '2'), ('ReluBackward0', '1'), ('TBackward0', '2'), ('AddmmBackward0', '0'), ('TBackward0', '0')]
    """

    def __init__(self, model: nn.Module | None = None) -> None:
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(
                "torchinspect.record_modules() takes the nn.Module whose modules should name "
                "the autograd nodes, such as record_modules(model), or nothing to record every "
                f"module's forward; got {type(model).__module__}.{type(model).__qualname__}."
            )
        self._model = None if model is None else weakref.ref(model)
        self._entered = False
        self._handles: list[Any] = []
        self._modules: list[weakref.ref[nn.Module]] = []
        self._read = _ReadNodes()
        self._calls = _Calls(self._read)
        if model is None:
            self._record_every_module()

    def _record_every_module(self) -> None:
        """Stamp what every module's forward makes, through torch's global module hooks."""
        calls = self._calls

        def before(module: nn.Module, args: tuple[Any, ...]) -> None:
            calls.begin(module, calls.parent_path(module), type(module).__name__)

        def after(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            calls.end(module, output)

        self._handles.append(register_module_forward_pre_hook(before))
        self._handles.append(register_module_forward_hook(after, always_call=True))

    def remove(self) -> None:
        """Stop recording: remove the hooks, and hand what is deep over to ``safety``."""
        self.__exit__()

    def __enter__(self) -> record_modules:
        if self._entered:
            raise RuntimeError(
                "torchinspect.record_modules() is entered once: use a new record_modules(model) for each `with` block."
            )
        self._entered = True
        if self._model is None:
            return self  # recording every module since it was made
        model = self._model()
        if model is None:
            raise RuntimeError("torchinspect.record_modules(): the model was freed before the `with` block began.")
        for path, module in model.named_modules():
            if module in _recorded:
                continue
            _recorded.add(module)
            self._modules.append(weakref.ref(module))
            stamp = _Stamp(path, type(module).__name__, self._calls)
            self._handles.append(module.register_forward_pre_hook(stamp.before, with_kwargs=True))
            self._handles.append(module.register_forward_hook(stamp.after, with_kwargs=True, always_call=True))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in self._handles:
            handle.remove()
        for module_ref in self._modules:
            module = module_ref()
            if module is not None:
                _recorded.discard(module)
        self._handles.clear()
        self._modules.clear()
        self._read.hand_over()


class _Call(NamedTuple):
    """A module call not yet finished, and where torch's sequence counter stood when it began."""

    module: nn.Module
    path: str
    class_name: str
    start: int


# A finished inner call: (start, -end, depth, stamp); sorted, a call follows those around it.
_EndedCall = tuple[int, int, int, dict[str, str]]
_span_order = operator.itemgetter(0, 1, 2)


class _Calls:
    """The module calls of one recording, per thread, stamped when their outermost call ends.

    Torch numbers the nodes a thread makes in order (``node._sequence_nr()``): the nodes a
    call made are numbered from where the counter stood when it began to where it stood when
    it ended, and the innermost call whose span holds a node's number made it. So a call that
    ends notes its span and its outputs' nodes; the outermost one walks back once, from the
    outputs of every call inside it, through the nodes made since it began, and stamps each
    with the innermost span that holds it. A walk at the end of every call would read each
    node once per module around it.
    """

    def __init__(self, read: _ReadNodes) -> None:
        self.read = read
        self.local = threading.local()

    def thread_calls(self) -> tuple[list[_Call], list[_EndedCall], list[Node]]:
        """This thread's open calls, and the spans and outputs' nodes of those ended inside them."""
        local = self.local
        try:
            return local.open, local.ended, local.outputs
        except AttributeError:
            local.open, local.ended, local.outputs = [], [], []
            return local.open, local.ended, local.outputs

    def begin(self, module: nn.Module, path: str, class_name: str) -> None:
        self.thread_calls()[0].append(_Call(module, path, class_name, torch.autograd._get_sequence_nr()))

    def end(self, module: nn.Module, output: Any) -> None:
        open_calls, ended, outputs = self.thread_calls()
        # A call that raised may leave its inner calls behind: drop them with it.
        while open_calls and open_calls[-1].module is not module:
            open_calls.pop()
        if not open_calls:
            return
        call = open_calls.pop()
        end = torch.autograd._get_sequence_nr()
        stamp = {MODULE_KEY: call.path, MODULE_CLASS_KEY: call.class_name}
        outputs += grad_fns(_tensors_in(output))
        if open_calls:
            ended.append((call.start, -end, len(open_calls), stamp))
            return
        stamps = _innermost_stamps(call.start, end, stamp, ended)
        roots = outputs[:]
        ended.clear()
        outputs.clear()
        owners = functools.partial(_parameter_owners, module, call.path)
        self.read.add(_stamp_new_nodes(roots, call.start, stamps, owners))

    def parent_path(self, module: nn.Module) -> str:
        """For the global hooks: the path of a module from the call that calls it, ``""`` if none.

        A module's path is its caller's path and its name among the modules inside the caller.
        """
        open_calls = self.thread_calls()[0]
        if not open_calls:
            return ""
        parent, parent_path = open_calls[-1].module, open_calls[-1].path
        name = _name_inside(parent, module)
        return parent_path if name is None else ".".join(filter(None, (parent_path, name)))


def _name_inside(parent: nn.Module, module: nn.Module) -> str | None:
    """The name of ``module`` among the modules inside ``parent``, the shallowest first.

    A module is most often a child of the module that calls it, or a child of a container
    the caller never calls (``layers.0`` in a ``ModuleList``): those two levels are looked at
    first, for the price of a dict lookup each, before the whole tree.
    """
    children = parent._modules
    for name, child in children.items():
        if child is module:
            return name
    for name, child in children.items():
        if child is not None:
            for inner_name, inner in child._modules.items():
                if inner is module:
                    return f"{name}.{inner_name}"
    return next((name for name, inner in parent.named_modules(remove_duplicate=False) if inner is module), None)


def _innermost_stamps(start: int, end: int, outermost: dict[str, str], inner: list[_EndedCall]) -> list[dict[str, str]]:
    """The stamp of the innermost call that made each node numbered ``start`` to ``end - 1``."""
    stamps = [outermost] * (end - start)
    for call_start, negative_end, _, stamp in sorted(inner, key=_span_order):
        stamps[call_start - start : -negative_end - start] = [stamp] * (-negative_end - call_start)
    return stamps


class _Stamp:
    """The two hooks of one module of a recorded model; they hold its path, never the module."""

    def __init__(self, path: str, class_name: str, calls: _Calls) -> None:
        self.path = path
        self.class_name = class_name
        self.calls = calls

    def before(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.calls.begin(module, self.path, self.class_name)

    def after(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        self.calls.end(module, output)


def _parameter_owners(module: nn.Module, path: str) -> dict[int, dict[str, str]]:
    """The stamp of each parameter of the module and its submodules, by identity.

    A parameter is named by the module that owns it, even when another uses it:
    ``MultiheadAttention`` reads its ``out_proj``'s weight without calling it.
    """
    owners: dict[int, dict[str, str]] = {}
    for inner_path, inner in module.named_modules():
        stamp = {
            MODULE_KEY: ".".join(filter(None, (path, inner_path))),
            MODULE_CLASS_KEY: type(inner).__name__,
        }
        for parameter in inner._parameters.values():
            if parameter is not None:
                owners.setdefault(id(parameter), stamp)
    return owners


def _stamp_new_nodes(
    roots: list[Node], start: int, stamps: list[dict[str, str]], owners: Callable[[], dict[int, dict[str, str]]]
) -> list[Node]:
    """Stamps the nodes reachable from ``roots`` made since ``start``; returns those read.

    Walks back (iteratively) through nodes whose sequence number is ``start`` or more:
    made during the call. The node numbered ``start + i`` gets ``stamps[i]`` (a node
    numbered past them, made by another thread, the outermost call's). A node stamped
    already keeps its stamp. A leaf's ``AccumulateGrad`` is stamped with the module that
    owns its parameter; ``owners`` finds them, only once a leaf needs it.
    """
    owned: dict[int, dict[str, str]] | None = None
    count = len(stamps)

    def stamp_and_follow(node: Node) -> bool:
        nonlocal owned
        if type(node) is _ACCUMULATE_GRAD:
            if MODULE_KEY not in node.metadata:  # type: ignore[operator]
                owned = owners() if owned is None else owned
                owner = owned.get(id(node.variable))  # type: ignore[attr-defined]
                if owner is not None:
                    node.metadata.update(owner)  # type: ignore[attr-defined]
            return False
        made = node._sequence_nr() - start
        if made < 0:
            return False
        metadata = node.metadata
        if MODULE_KEY not in metadata:  # type: ignore[operator]
            metadata.update(stamps[made] if made < count else stamps[0])  # type: ignore[attr-defined]
        return True

    return list(reachable(roots, stamp_and_follow))


def _tensors_in(output: Any) -> Iterator[torch.Tensor]:
    """The tensors in a module's output: a tensor, or lists, tuples and dicts of them."""
    pending = [output]
    while pending:
        value = pending.pop()
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())


class _ReadNodes:
    """The nodes a recording read, held so that none is freed in a deep cascade.

    Released parents first (the latest made first: a node is always made after its
    inputs) whenever the count has doubled since the last release, so a training loop
    inside the block holds about one forward pass more than the user does.
    """

    def __init__(self) -> None:
        self.nodes: dict[Node, None] = {}
        self.release_above = safety.HOLD_DEEPER_THAN

    def add(self, nodes: list[Node]) -> None:
        self.nodes.update(dict.fromkeys(nodes))
        if len(self.nodes) > self.release_above:
            kept = self._release()
            self.release_above = max(2 * len(kept), safety.HOLD_DEEPER_THAN)

    def hand_over(self) -> None:
        """Release what only the recording owns; hold what is left if it is deep."""
        kept = self._release()
        if kept:
            position = {node: index for index, node in enumerate(kept)}
            edges = [
                (position[source], target, input_nr, output_nr)
                for target, node in enumerate(kept)
                for input_nr, (source, output_nr) in enumerate(node.next_functions)
                if source in position
            ]
            safety.hold_if_deep(kept, edges)
        self.nodes = {}

    def _release(self) -> list[Node]:
        ordered = sorted(self.nodes, key=_made_later_first)
        self.nodes = {}
        kept = safety.release_root_first(ordered)
        self.nodes = dict.fromkeys(kept)
        return kept


def _made_later_first(node: Node) -> int:
    sequence_nr = node._sequence_nr()
    return 1 if sequence_nr == _NO_SEQUENCE_NR else -sequence_nr
