"""grad_fn walk → graph snapshot: the autograd graph behind tensors, as plain data.

The snapshot is the public contract ``torchinspect.graph/1``, defined by the JSON
Schema in ``schema/graph-1.json`` and described in docs/graph-schema.md. The walk is
iterative, so graphs of any depth work; it runs no operation, registers no hook and
keeps no reference to a tensor or node once it returns, except that the nodes of a
deep graph are held until torch can free them safely (see ``safety``). The walk itself is
``walk``'s, what each node class shares is read by ``nodes``, and saved values become
JSON data in ``plain_values``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
from torch.autograd.graph import Node
from torch.nn import Parameter

from torchinspect._kernel import notebook_namespace
from torchinspect.distributed.detect import is_sharded, sharded_type
from torchinspect.distributed.placements import graph_sharding
from torchinspect.graph.collector import collection_paused
from torchinspect.graph.folding import graph_folding
from torchinspect.graph.memory import SavedMemory
from torchinspect.graph.naming import NameTable, check_params, name_table
from torchinspect.graph.nodes import node_class
from torchinspect.graph.op_records import OpRecord, writer
from torchinspect.graph.plain_values import MAX_LIST_ITEMS, IntLists, plain_metadata
from torchinspect.graph.plain_values import (
    MAX_METADATA_ENTRIES as MAX_METADATA_ENTRIES,  # what one node's metadata may carry
)
from torchinspect.graph.safety import is_held, release_held_graphs
from torchinspect.graph.walk import Edge, grad_fns, walk
from torchinspect.tensor.metadata import (
    DTYPE_NAMES,
    REFUSALS,
    device_name,
    shape_and_nbytes,
    shape_of,
)

_TENSOR = torch.Tensor  # one global lookup instead of two, for each of thousands of tensors
_ACCUMULATE_GRAD = torch._C._functions.AccumulateGrad  # type: ignore[attr-defined]  # a leaf's node

SCHEMA = "torchinspect.graph/1"
MIME_TYPE = "application/vnd.torchinspect.graph+json"
"""The MIME type under which a saved output carries the graph, beside the tensor's snapshot."""
SAVED_GRAPH_CHARACTERS = 2_000_000
"""A saved output carries the graph (and a tensor inspector's gradients with it) while its JSON
text is at most this long: a notebook holds every output, so a larger graph is left to the live view."""


def autograd_graph(*roots: torch.Tensor | Node, params: Any = None) -> dict[str, Any]:
    """Describe the autograd graph behind tensors as plain data.

    Walks every autograd node reachable from the roots through ``next_functions``
    (iteratively: graphs 100,000 nodes deep work) and returns the nodes and the edges
    between them. Each node carries its op (``MulBackward0``), the forward op a
    learner reads (``mul``), and what it saved for backward: tensors by shape, dtype
    and size (never their values), and plain values such as ``dim``. A saved tensor
    freed by ``backward()`` reads as ``"freed"``. Leaves carry their variable's
    metadata snapshot and its name: from ``params``, then from the notebook's
    variables, matched by identity. Root tensors are nodes too.

    Edges run in the forward direction: ``source`` is the node whose output
    ``output_nr`` is input number ``input`` of ``target``. Nothing is changed:
    no hook, ``requires_grad``, ``.grad`` or saved tensor; saved tensors packed by
    ``saved_tensors_hooks`` are described without running the unpack hook.

    Args:
        roots: tensors, or autograd nodes such as ``loss.grad_fn``. Nodes shared
            between roots appear once.
        params: what names the leaves: a mapping of names to tensors, such as
            ``{"x": x}``, or an ``nn.Module`` (its named parameters).

    Returns:
        A dict that ``json.dumps`` accepts, with ``"schema"`` set to
        ``"torchinspect.graph/1"``, ``"roots"`` (their node ids, in order),
        ``"nodes"``, ``"edges"`` and ``"held"``: the whole graph, never cut. What the
        views add, the memory held and the folding, is left out (``graph_for_view``,
        ``torchinspect.graph.folding.graph_folding``): they would double the time.
        Equal lists of sizes (a ``shape``, a saved size) may be one list: copy one before changing it.

    Example:
        >>> import torch, torchinspect
        >>> x = torch.randn(20, requires_grad=True)
        >>> A = torch.randn(20, 20)
        >>> y = 0.5 * torch.dot(x, torch.matmul(A, x))
        >>> graph = torchinspect.autograd_graph(y, params={"x": x})
        >>> [(node["op"], node["forward_op"], node["name"]) for node in graph["nodes"]]
        [(None, None, None), ('MulBackward0', 'mul', None), ('DotBackward0', 'dot', None), ('AccumulateGrad', None, 'x'), ('MvBackward0', 'mv', None)]
        >>> [(edge["source"], edge["target"], edge["input"]) for edge in graph["edges"]]
        [('n0', 't0', 0), ('n1', 'n0', 0), ('n2', 'n1', 0), ('n3', 'n1', 1), ('n2', 'n3', 1)]
        >>> graph["nodes"][4]["saved_tensors"]["self"]["shape"]
        [20, 20]
    """
    return _graph(roots, params, memory=False)


def graph_for_view(*roots: torch.Tensor | Node, params: Any = None) -> dict[str, Any]:
    """``autograd_graph``'s snapshot with what a view draws besides: the memory it holds
    (``memory``, and each saved tensor's ``storage``) and how it folds (``folding``).

    They cost as much as the snapshot itself on a big graph, so only the views ask for them.
    """
    graph = _graph(roots, params, memory=True)
    with collection_paused():
        graph["folding"] = graph_folding(graph)
    return graph


def _graph(roots: tuple[torch.Tensor | Node, ...], params: Any, *, memory: bool) -> dict[str, Any]:
    release_held_graphs()
    root_tensors, root_nodes = _split_roots(roots)
    check_params(params, "autograd_graph")
    names = name_table(params, notebook_namespace())
    with _grad_off(), collection_paused():
        nodes, edges = walk(grad_fns(root_tensors) + root_nodes)
        graph = _GraphBuilder(names, root_tensors, nodes, memory).build(root_nodes, edges)
        graph["held"] = bool(nodes) and is_held(nodes[0])
        # Gone before the collector resumes: it would go through every edge of the walk.
        del nodes, edges
    return graph


class _grad_off:  # lower case: used as torch.no_grad() is
    """``torch.no_grad()`` without its decorator machinery, which cost a small graph's whole
    snapshot (about 100 µs) 5 µs."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = torch.is_grad_enabled()
        torch._C._set_grad_enabled(False)

    def __exit__(self, *_: object) -> None:
        torch._C._set_grad_enabled(self._was_enabled)


# --- roots -----------------------------------------------------------------------------


def _split_roots(roots: tuple[Any, ...]) -> tuple[list[torch.Tensor], list[Node]]:
    """The distinct root tensors and root nodes, in the order given."""
    if len(roots) == 1 and isinstance(roots[0], torch.Tensor):  # the usual call, autograd_graph(loss)
        return [roots[0]], []
    if not roots:
        raise TypeError(
            "torchinspect.autograd_graph() needs at least one root: pass a tensor, such as "
            "autograd_graph(loss), or a grad_fn node, such as autograd_graph(loss.grad_fn)."
        )
    tensors: dict[int, torch.Tensor] = {}
    nodes: dict[Node, None] = {}
    for root in roots:
        if isinstance(root, torch.Tensor):
            tensors.setdefault(id(root), root)
        elif isinstance(root, Node):
            nodes.setdefault(root)
        else:
            raise TypeError(_bad_root_message(root))
    return list(tensors.values()), list(nodes)


def _bad_root_message(root: object) -> str:
    hint = ""
    if isinstance(root, (list, tuple)):
        hint = " To pass several roots, unpack them: autograd_graph(*tensors)."
    return (
        "torchinspect.autograd_graph() takes tensors or autograd nodes (a tensor's grad_fn, "
        f"such as loss.grad_fn) as roots, got {type(root).__module__}."
        f"{type(root).__qualname__}.{hint}"
    )


# --- what each node carries ------------------------------------------------------------


_NODE_IDS: list[str] = []
_NODE_IDS_KEPT = 1 << 16


def _node_ids(count: int) -> list[str]:
    """``["n0", "n1", …]``, at least ``count`` of them, to read and never change: the first 65,536
    are made once and lent as they are, since every snapshot would spend time on them."""
    if len(_NODE_IDS) < min(count, _NODE_IDS_KEPT):
        _NODE_IDS.extend(f"n{index}" for index in range(len(_NODE_IDS), min(count, _NODE_IDS_KEPT)))
    if count <= len(_NODE_IDS):
        return _NODE_IDS
    return _NODE_IDS + [f"n{index}" for index in range(len(_NODE_IDS), count)]


class _GraphBuilder:
    """Turns walked nodes into the snapshot's plain data; holds them for one call only."""

    def __init__(self, names: NameTable, root_tensors: list[torch.Tensor], nodes: list[Node], memory: bool) -> None:
        self.names = names
        self.root_tensors = root_tensors
        self.nodes = nodes
        self.node_ids = _node_ids(len(nodes))
        # Tensors that are graph nodes, by identity: for saved tensors and views' bases. A root
        # tensor keeps its own id, and a leaf's tensor the id of the first node that holds it.
        self.tensor_ids = {id(tensor): f"t{index}" for index, tensor in enumerate(root_tensors)}
        leaf_ids = self.tensor_ids.setdefault
        for node_id, node in zip(self.node_ids, nodes):  # a loop in Python, yet the quickest way
            if type(node) is _ACCUMULATE_GRAD:
                leaf_ids(id(node.variable), node_id)  # type: ignore[attr-defined]
        self.memory = SavedMemory(_leaf_variables(nodes)) if memory else None
        # One list per distinct size of the graph's tensors and saved sizes: thousands of nodes
        # often have a few, and each list made is also one more object for the collector.
        self.shapes: IntLists = {}
        self.describe = _saved_tensor_describer(self.shapes, self.tensor_ids, self.memory, sharded_type())

    def build(self, root_nodes: list[Node], edges: list[Edge]) -> dict[str, Any]:
        # Roots' grad_fns and root nodes start the walk: they are among its first nodes.
        starts = len(self.root_tensors) + len(root_nodes)
        position = {node: index for index, node in enumerate(self.nodes[:starts])}
        roots = [f"t{index}" for index in range(len(self.root_tensors))]
        roots += [self.node_ids[position[node]] for node in root_nodes]
        node_ids = self.node_ids
        graph: dict[str, Any] = {
            "schema": SCHEMA,
            "roots": roots,
            "nodes": self._tensor_nodes() + self._nodes(),
            "edges": self._tensor_edges(position)
            + [
                {"source": node_ids[source], "target": node_ids[target], "input": input_nr, "output_nr": output_nr}
                for source, target, input_nr, output_nr in edges
            ],
        }
        if self.memory is not None:
            graph["memory"] = self.memory.summary()
        return graph

    def _tensor_nodes(self) -> list[dict[str, Any]]:
        names, tensor_ids, shapes = self.names, self.tensor_ids, self.shapes
        records = []
        for index, tensor in enumerate(self.root_tensors):
            base = tensor._base
            records.append(
                {
                    "id": f"t{index}",
                    "kind": "tensor",
                    "op": None,
                    "forward_op": None,
                    "name": names.get(id(tensor)),
                    "tensor": tensor_record(tensor, shapes),
                    "base": None if base is None else tensor_ids.get(id(base)),
                    "saved_tensors": {},
                    "saved_values": {},
                    "metadata": {},
                    "sequence_nr": None,
                }
            )
        return records

    def _tensor_edges(self, position: dict[Node, int]) -> list[dict[str, Any]]:
        return [
            {
                "source": self.node_ids[position[grad_fn]],
                "target": f"t{index}",
                "input": 0,
                "output_nr": tensor.output_nr,
            }
            for index, tensor in enumerate(self.root_tensors)
            if (grad_fn := tensor.grad_fn) is not None
        ]

    def _nodes(self) -> list[dict[str, Any]]:
        """The walked nodes' records, in one loop: it runs once per node of graphs of thousands."""
        records: list[dict[str, Any]] = []
        append = records.append
        shapes, writers = self.shapes, _RECORD_WRITERS
        for node_id, node in zip(self.node_ids, self.nodes):
            append(writers[type(node)](node_id, node, self, shapes))
        return records

    def note_node(self, node_id: str) -> None:
        if self.memory is not None:
            self.memory.node = node_id

    def describe_missing(self, node: Node, raw: Any, attribute: str) -> dict[str, Any]:
        if type(raw) is tuple:
            return self._saved_tensor_list(node, raw, attribute)
        return {"kind": _absent_kind(node, attribute)}

    def _saved_tensor_list(self, node: Node, raws: tuple[Any, ...], attribute: str) -> dict[str, Any]:
        items = [self.describe(raw) for raw in raws[:MAX_LIST_ITEMS]]
        if None in items and _absent_kind(node, attribute) == "freed":
            return {"kind": "freed"}
        return {
            "kind": "tensors",
            "length": len(raws),
            "items": [{"kind": "none"} if item is None else item for item in items],
        }


def _leaf_variables(nodes: list[Node]) -> list[torch.Tensor]:
    return [node.variable for node in nodes if type(node) is _ACCUMULATE_GRAD]  # type: ignore[attr-defined]


def _leaf_record(node_id: str, node: Node, builder: _GraphBuilder, shapes: IntLists) -> dict[str, Any]:
    """A leaf's record (its ``AccumulateGrad`` node's), read as ``op_records`` writes an op's."""
    variable = node.variable  # type: ignore[attr-defined]
    base = variable._base
    metadata = node.metadata
    return {
        "id": node_id,
        "kind": "leaf",
        "op": "AccumulateGrad",
        "forward_op": None,
        "name": builder.names.get(id(variable)),
        "tensor": tensor_record(variable, shapes),
        "base": None if base is None else builder.tensor_ids.get(id(base)),
        "saved_tensors": {},
        "saved_values": {},
        "metadata": plain_metadata(metadata) if metadata else {},  # type: ignore[arg-type, truthy-function]
        "sequence_nr": None,
    }


class _RecordWriters(dict[type, OpRecord]):
    """Each node class's record function, made the first time one of its nodes is met: an op
    class's written by ``op_records``, a leaf's ``_leaf_record``. Keyed by class: torch's node
    classes live as long as torch, and a custom Function's few."""

    def __missing__(self, kind: type) -> OpRecord:
        known = node_class(kind)
        write = self[kind] = cast(OpRecord, _leaf_record) if known.is_leaf else writer(kind, known)
        return write


_RECORD_WRITERS = _RecordWriters()


def _saved_tensor_describer(
    shapes: IntLists, tensor_ids: dict[int, str], memory: SavedMemory | None, sharded: type | None
) -> Callable[[Any], dict[str, Any] | None]:
    """What describes a graph's saved tensors one by one (a closure: a graph has thousands, and
    each method call's lookups on the builder cost a tenth of the description)."""

    def describe(raw: Any) -> dict[str, Any] | None:
        """A saved tensor by its metadata, read without unpacking it; None if there is none,
        and for a saved list of tensors (a tuple of raw ones), which ``_saved_tensor_list`` describes."""
        if type(raw) is tuple:
            return None
        if raw.unpack_hook is not None:
            # saved_tensors_hooks packed it: unpacking would run the user's hook.
            return {"kind": "hooked", "packed": type(raw.data).__name__}
        data = raw.data
        if data is None:
            return None
        kind = type(data)
        # tensor_record's quick path, written out rather than shared through a function: a call
        # per saved tensor (G3 has ~190) costs a few percent of a small graph's whole snapshot.
        plain = kind is _TENSOR or kind is Parameter
        shape: list[int] | list[int | None] | None
        nbytes: int | None
        if plain:
            try:
                size = data.shape
                shape = shapes.get(size)
                if shape is None:
                    shape = shapes[size] = list(size)
                nbytes = data.nbytes
            except REFUSALS:  # nested: no shape; sparse: no nbytes; symbolic: no hash
                shape, nbytes = shape_and_nbytes(data)
        else:
            shape, nbytes = shape_and_nbytes(data)
        described = {
            "kind": "tensor",
            "shape": shape,
            "dtype": DTYPE_NAMES[data.dtype],
            "nbytes": nbytes,
            "is_view": data._is_view(),
            "node": tensor_ids.get(id(data)),
        }
        if not plain and sharded is not None and isinstance(data, sharded):
            described["sharding"] = graph_sharding(data)
        if memory is not None:
            storage = memory.add(data)
            if storage is not None:
                described["storage"] = storage
        return described

    return describe


def tensor_record(tensor: torch.Tensor, shapes: IntLists) -> dict[str, Any]:
    """What a graph says of a leaf's or root's tensor: metadata only, read in microseconds.

    A graph may have thousands of leaves; the full snapshot of one, with its values,
    is ``torchinspect.snapshot``'s job (the page asks for it when a leaf is opened).
    ``shapes`` lends the lists of sizes seen before in the same graph.
    """
    kind = type(tensor)
    # A plain tensor or parameter reads its shape and size at once (a nested one refuses the
    # shape, and the careful path answers); a subclass may be a DTensor, or refuse anything.
    plain = kind is _TENSOR or kind is Parameter
    shape: list[int] | list[int | None] | None
    nbytes: int | None
    if plain:
        try:
            size = tensor.shape
            shape = shapes.get(size)
            if shape is None:
                shape = shapes[size] = list(size)
            nbytes = tensor.nbytes
        except REFUSALS:  # nested: no shape; sparse: no nbytes; symbolic: no hash
            shape, nbytes = shape_and_nbytes(tensor)
        # isinstance(tensor, nn.Parameter) runs its metaclass's check: a plain tensor says itself
        # whether it stands for one.
        is_parameter = kind is Parameter or bool(getattr(tensor, "_is_param", False))
    else:
        shape, nbytes = shape_and_nbytes(tensor)
        is_parameter = isinstance(tensor, Parameter)
    # readable_grad's test, written out: two calls cost a leaf's record 7%, and graphs have thousands.
    grad = tensor.grad if tensor.is_leaf or tensor.retains_grad else None
    record: dict[str, Any] = {
        "shape": shape,
        "dtype": DTYPE_NAMES[tensor.dtype],
        # Most leaves are on the CPU: asking is cheaper than making the tensor's torch.device.
        "device": "cpu" if tensor.is_cpu else device_name(tensor.device),
        "nbytes": nbytes,
        "requires_grad": tensor.requires_grad,
        "is_parameter": is_parameter,
        "grad": None if grad is None else {"shape": shape_of(grad), "dtype": DTYPE_NAMES[grad.dtype]},
    }
    if not plain and is_sharded(tensor):  # a DTensor: its placements, read locally
        record["sharding"] = graph_sharding(tensor)
    return record


def _absent_kind(node: Node, attribute: str) -> str:
    """Whether a saved tensor that reads as nothing was freed by backward or never saved."""
    try:
        getattr(node, attribute)
    except RuntimeError:
        return "freed"
    return "none"
