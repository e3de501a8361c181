"""The graph as it travels to the page: a first payload of at most FIRST_PAYLOAD_BYTES of JSON.

A graph of 30,000 nodes is 13 MB of snapshot, and a widget's state is saved in the notebook.
So where a view's snapshot (``graph_for_view``) is larger than the bound, the units of each
repeat (``folding.repeats``) are elided except the first, the unlike ones and the last: what
the page draws first is one box ``× N`` for the repeat anyway. Each run of elided units
becomes an **elided stretch** of the repeat, carrying what the page needs to draw the box and
its links without the nodes (how many nodes, the links between the stretch and the nodes the
page has, the bytes it holds for backward, and the distinct names in it, for search). Opening
the box asks the kernel for some of those units (``graph_part``): it walks the graph again
from the inspected tensor (node ids are positions in the walk, so they are the same) and
sends their nodes and edges, and the stretches left around them. Where what no repeat holds
is still past the bound (a graph nothing repeats in), its ops are cut into spans of forward
order (``spans.span_folds``), and the leaves a node takes by the thousand are one fold of its
inputs (``inputs.input_folds``), elided and asked for in the same way. Past the repeats, the
names listed for search share one budget, and a stretch lists its links to nodes not sent
(elided elsewhere) up to LINKS_TO_ELIDED: so the first payload stays bounded when nodes take
thousands of inputs, or names are long. The stretches of any payload list LINKS_LISTED links in
all; a part answer is bounded as the first payload is (the units that fit, then a unit's edges
in turns); and the graph shares the bound with its gradients and the card beside it
(``bounded_with_gradients``, ``sent_graph``). The edges of one pair of nodes past 16 are one
edge with ``count`` (``counted_edges``): a leaf stacked with itself 10,000 times was 652 KB.
"""

from __future__ import annotations

import functools
import json
import math
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import torch

from torchinspect.graph.collector import collection_paused
from torchinspect.graph.counted_edges import edge_count, with_edges_counted
from torchinspect.graph.inputs import input_folds, shared_input_folds
from torchinspect.graph.long_records import gradient_with_shape_cut, shortened, with_shapes_cut
from torchinspect.graph.long_texts import short_texts
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.spans import SPAN_PARTS, span_folds

FIRST_PAYLOAD_BYTES = 256 * 1024
"""The most JSON the page gets first for one graph, and a saved notebook keeps of it."""
NAME_CHARACTERS = 48_000
"""How much text of tensors' names the stretches of one payload list for search, at most, all together."""
LINKS_TO_ELIDED = 64
"""How many links a stretch sent first lists to nodes not sent either (the most edges first): the
page draws no link to a node it has not got, and a stack's inputs elided in other spans are
20,000 links. Past it, a part loaded later shows no link to the stretch until that opens too."""
LINKS_LISTED = 1_024
"""How many links the stretches of one payload (a first payload, a part) list in all, shared
evenly, one each at least, the most edges first: a repeat's units each taking another of 5,000 weights
the page has made one stretch list 7,811 links, and a part 1.2 MB. The rest are counted in
``links_left``; their edges come with the stretch's nodes when it opens."""
_REPLY_ENVELOPE = 256
"""Bytes a part's reply adds around it (its kind and id), kept out of the part's bound."""

LAST_CUT = 8
"""The deepest ``_cut``: past the gathering of leaves (4), the spans halve at each depth, 12 to one (8)."""
GATHERED_SHOWN = 4
"""At the wire's last resort (``_gathered``), a node the page gets with more leaves than this has them folded."""

# No node's JSON is shorter (its keys alone take 130 bytes): a graph of more nodes than the
# bound allows at this size is elided without writing all of it out first.
_LEAST_NODE_BYTES = 150


class GraphPartError(LookupError):
    """The part asked for is not in the graph as it is now; the message says why, for the user."""


def payload_bytes(graph: dict[str, Any]) -> int:
    """The bytes of the graph as JSON on the wire (Jupyter's messages keep non-ASCII text as is)."""
    return len(json.dumps(graph, ensure_ascii=False).encode())


def node_count(graph: dict[str, Any]) -> int:
    """The nodes of the whole graph, those a first payload elided included."""
    repeats = graph.get("folding", {}).get("repeats", ())
    return len(graph.get("nodes", ())) + sum(run["nodes"] for repeat in repeats for run in repeat.get("elided", ()))


def first_payload(graph: dict[str, Any], limit: int = FIRST_PAYLOAD_BYTES) -> dict[str, Any]:
    """The graph as the page gets it first: itself when its JSON fits ``limit``, else with the
    units of its repeats elided (the first, the unlike ones and the last kept), and where that is
    still too much, the spans of what no repeat holds too (``spans.span_folds``).

    Example:
        >>> import torch
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> h = torch.zeros(4, requires_grad=True)
        >>> for _ in range(2_000):
        ...     h = torch.tanh(h * 2 + 1)
        >>> graph = graph_for_view(h)
        >>> sent = first_payload(graph)
        >>> payload_bytes(graph) > FIRST_PAYLOAD_BYTES >= payload_bytes(sent)
        True
        >>> (steps,) = sent["folding"]["repeats"]
        >>> steps["count"], len(steps["units"]), [(part["units"], part["nodes"]) for part in steps["elided"]]
        (2000, 2, [([1, 1999], 5994)])
    """
    return _cut(graph, limit)[1]


def _cut(
    graph: dict[str, Any], limit: int, fits: Callable[[dict[str, Any]], bool] | None = None
) -> tuple[int, dict[str, Any]]:
    """``first_payload`` and how far it cut: 0 not at all, 1 the repeats' units, 2 also the spans
    and wide nodes' inputs, 3 the spans and wide nodes' inputs of every op, the repeats unused,
    4 as 3 with the leaves no fold holds gathered too (``_gathered``), 5 to LAST_CUT as 4 with
    fewer spans, each depth half as many (``_span_parts``). Every string in it is at most
    ``long_texts.TEXT_CHARACTERS`` long. ``fits`` says whether a cut is enough, where more than
    its own bytes must fit ``limit`` (its gradients, ``bounded_with_gradients``). A pair's edges
    past ``counted_edges.PAIR_EDGES_LISTED`` are one edge with ``count``."""
    graph = with_edges_counted(short_texts(graph))
    fits = fits or functools.partial(_fits, limit=limit)
    if "folding" not in graph or fits(graph):
        return 0, graph
    with collection_paused():
        sent = _elided(graph, graph["folding"]["repeats"])
        # What no repeat holds is still too much: its spans are elided too; and where the repeats
        # themselves are too many to send one unit of each (thousands of small ones), spans alone;
        # and where leaves no fold holds are still thousands, they are gathered; where the units the
        # spans send are still too big (shapes of 1,000 dimensions), fewer spans send fewer units.
        for cut in range(2, LAST_CUT + 1):
            if fits(sent):
                return cut - 1, sent
            sent = _elided(graph, _folds_cut(graph, cut), bounded=True)
    return LAST_CUT, sent


def _span_parts(cut: int) -> int:
    """How many spans cut the ops at depth ``cut``: SPAN_PARTS, then half as many at each depth past 4."""
    return max(1, SPAN_PARTS >> max(0, cut - 4))


def _folds_cut(graph: dict[str, Any], cut: int) -> list[dict[str, Any]]:
    """The folds ``_cut`` elides the units of at each depth, outer folds first."""
    graph = short_texts(graph)  # as ``_cut`` found them: a span keeps to a module by its path
    if cut == 1:
        return list(graph["folding"]["repeats"])
    return _cut_folds(graph if cut == 2 else _without_repeats(graph), gather=cut >= 4, parts=_span_parts(cut))


def _cut_folds(graph: dict[str, Any], gather: bool = False, parts: int = SPAN_PARTS) -> list[dict[str, Any]]:
    """The folds cut where the graph's repeats are not enough: the repeats, the inputs of wide
    nodes, then the spans of the other ops (``first_payload``'s order, outer folds first).

    Only a node the page gets has its inputs folded apart: the leaves of one a span elides go
    with it, elided in the span's stretch, since the page draws no fold inside another. A chain
    of 2,000 steps each stacking 17 leaves of its own made 2,000 inputs folds, 2.3 MB sent.
    Where ``gather``, the leaves no fold holds are gathered too (``_gathered``); ``parts`` spans
    at most cut the ops."""
    spans = span_folds(graph, parts)
    elided = {unit[0] for span in spans for unit in span["units"][1:-1]}  # a span keeps its ends
    inputs = [fold for fold in input_folds(graph) if fold["inputs"]["of"] not in elided]
    apart = {leaf for fold in inputs for unit in fold["units"] for leaf in unit}
    # A leaf apart has one taker, so the spans are the same without it (``span_folds(apart=...)``).
    for span in spans:
        span["units"] = [[node for node in unit if node not in apart] for unit in span["units"]]
    if gather:
        inputs += _gathered(graph, [*inputs, *spans])
    return [*graph["folding"]["repeats"], *inputs, *spans]


def _gathered(graph: dict[str, Any], folds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last resort for leaves no fold holds, which the page would get one by one: a leaf
    all of whose takers are in spans joins the unit of the first of them (in forward order),
    though they lie in several spans, where a span elides that unit; the others are folded by
    their first taker the page gets (``inputs.shared_input_folds``). The units of ``folds``'
    spans gain the leaves they take; the inputs folds made are returned. Each weight of a
    3,000-step chain taken at two steps a span apart (663 KB), and 5,000 leaves a stack and a
    cat both take (2.3 MB, sent whole), went with no fold; 2,000 leaves stacked first in a span
    and concatenated in another went with the stack's unit, which the span sends (924 KB). So do
    the leaves of a unit a span sends: 1,000 leaves a stack and a cat four ops after it take went
    with the stack, the first unit of their span (474 KB). Here a node the page gets keeps at
    most GATHERED_SHOWN leaves unfolded, not INPUTS_SHOWN: 2,000 steps each stacking 16 leaves
    of their own, named by 200 characters, sent 295 KB."""
    held = {node for fold in folds for unit in fold["units"] for node in unit}
    unit_of = {unit[0]: unit for fold in folds if fold["kind"] == "span" for unit in fold["units"]}
    forward = {op: place for place, op in enumerate(unit_of)}
    elided = {unit[0] for fold in folds if fold["kind"] == "span" for unit in fold["units"][1:-1]}
    leaves = {node["id"] for node in graph["nodes"] if node["kind"] == "leaf" and node["id"] not in held}
    takers: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        if edge["source"] in leaves:
            takers.setdefault(edge["source"], []).append(edge["target"])
    outside = {}
    for leaf, ops in takers.items():
        first = min(ops, key=forward.__getitem__) if all(op in unit_of for op in ops) else None
        if first in elided:
            unit_of[first].append(leaf)
        else:
            outside[leaf] = [op for op in ops if op not in elided]
    for unit in (fold["units"][end] for fold in folds if fold["kind"] == "span" for end in (0, -1)):
        if len(unit) > 1 + GATHERED_SHOWN:  # a unit the span sends, with the leaves of its op and later ones
            outside.update((leaf, [unit[0]]) for leaf in unit[1:])
            del unit[1:]
    return shared_input_folds(graph, outside, shown=GATHERED_SHOWN)


def _without_repeats(graph: dict[str, Any]) -> dict[str, Any]:
    return {**graph, "folding": {**graph["folding"], "repeats": []}}


def _fits(graph: dict[str, Any], limit: int) -> bool:
    return len(graph["nodes"]) * _LEAST_NODE_BYTES <= limit and payload_bytes(graph) <= limit


def _elided(graph: dict[str, Any], folds: list[dict[str, Any]], bounded: bool = False) -> dict[str, Any]:
    """The graph with the units of ``folds`` (repeats and spans) elided but the first, the unlike and
    the last; where ``bounded``, the stretches' names share one budget and their links are bounded."""
    elided: set[str] = set()
    stretches: list[tuple[dict[str, Any], list[list[str]]]] = []
    sent_folds = []
    for fold in folds:
        units = fold["units"]
        if units[0][0] in elided:  # inside a unit of an outer repeat, elided with it
            continue
        kept = sorted({0, len(units) - 1, *fold["unlike"]})
        gaps = [(low + 1, high) for low, high in zip(kept, kept[1:]) if high > low + 1]
        sent = {**fold, "units": [units[index] for index in kept], "count": len(units)}
        sent["elided"] = [{"units": [start, end]} for start, end in gaps]
        for stretch, (start, end) in zip(sent["elided"], gaps):
            stretches.append((stretch, units[start:end]))
            elided.update(node for unit in units[start:end] for node in unit)
        sent_folds.append(sent)
    sent_graph = _without(graph, elided)
    sent_graph["folding"] = {**sent_graph["folding"], "repeats": sent_folds}
    places = _places(graph)
    names = NAME_CHARACTERS // len(stretches) if bounded and stretches else NAME_CHARACTERS
    for stretch, units in stretches:
        stretch.update(_describe_stretch(graph, units, places, names))
    _add_links(graph["edges"], stretches, sent={node["id"] for node in sent_graph["nodes"]} if bounded else None)
    return sent_graph


def graph_part(
    graph: dict[str, Any],
    cuts: GraphCuts,
    repeat_id: str,
    count: int,
    stretch: Sequence[int],
    units: Sequence[int],
    *,
    edges_from: int = 0,
    gradients: dict[str, Any] | None = None,
    limit: int = FIRST_PAYLOAD_BYTES,
) -> dict[str, Any]:
    """Units ``units[0]`` to ``units[1]`` (end excluded) of the repeat whose first unit starts
    with node ``repeat_id`` and has ``count`` units, from the elided stretch ``stretch`` the
    page holds: their nodes, the edges that touch them from the ``edges_from``-th on, and what
    is left of the stretch around them, as elided stretches again; where ``gradients`` (the
    last pass's whole record) has any, what it says of them (``part_gradients``). ``cuts``
    finds the repeat as the first payload cut ``graph``, and keeps what it found for the next
    part (``WalkCache.cuts``).

    The answer is within ``limit``, as the first payload is: where the units asked for are
    more, it brings the first of them that fit, and the others stay in the stretch left after
    them (2,000 nodes of G5, what opening every unit asks for, were 870 KB); where one unit's
    edges are more (a stack of 8,000 tensors: 540 KB), the first of them that fit, and
    ``edges_left`` says how many are left, which the page asks for from ``edges_from`` on.

    Raises:
        GraphPartError: the graph has no such repeat now, or the units are not in the stretch.
    """
    with collection_paused():
        repeat = _fold_at(graph, cuts, repeat_id, count)
        if repeat is None:
            raise GraphPartError(
                f"torchinspect: the graph has no repeat of {count} units at {repeat_id} now: it changed since it "
                "was drawn; refresh the inspector"
            )
        low, high = stretch
        start, end = units
        if not 0 < low <= start < end <= high < count:
            raise GraphPartError(
                f"torchinspect: units {start} to {end} are not within the elided units {low} to {high} of a "
                f"repeat of {count}"
            )
        graph = short_texts(graph)
        edges_most = None
        while True:
            part = _part(graph, repeat, repeat_id, (low, high), (start, end), (edges_from, edges_most))
            if gradients:
                part["gradients"] = part_gradients(gradients, part)
            size = payload_bytes(part) + _REPLY_ENVELOPE
            if size <= limit:
                return part
            # Fewer units, about as many as fit if their bytes are alike; one less at least; then fewer edges.
            if end > start + 1:
                end = start + max(1, min(end - start - 1, (end - start) * limit * 9 // (10 * size)))
            elif len(part["edges"]) > 1:
                edges_most = max(1, min(len(part["edges"]) - 1, len(part["edges"]) * limit * 9 // (10 * size)))
            else:  # one unit and one edge: no shape we know reaches this
                return part


def _part(
    graph: dict[str, Any],
    repeat: dict[str, Any],
    repeat_id: str,
    stretch: tuple[int, int],
    units: tuple[int, int],
    edges: tuple[int, int | None],
) -> dict[str, Any]:
    (low, high), (start, end), (edges_from, edges_most) = stretch, units, edges
    all_units = repeat["units"]
    wanted = {node for unit in all_units[start:end] for node in unit}
    left = [(part, all_units[part[0] : part[1]]) for part in ((low, start), (end, high)) if part[1] > part[0]]
    stretches = [({"units": list(part)}, part_units) for part, part_units in left]
    places = _places(graph)
    for described, part_units in stretches:  # the two share the names' budget, as a first payload's stretches do
        described.update(_describe_stretch(graph, part_units, places, NAME_CHARACTERS // len(stretches)))
    _add_links(graph["edges"], stretches)
    touching = [edge for edge in graph["edges"] if edge["source"] in wanted or edge["target"] in wanted]
    listed = touching[edges_from:] if edges_most is None else touching[edges_from : edges_from + edges_most]
    folding = graph["folding"]
    part: dict[str, Any] = {
        "repeat": repeat_id,
        "units": all_units[start:end],
        "nodes": [node for node in graph["nodes"] if node["id"] in wanted],
        "edges": listed,
        "elided": [described for described, _ in stretches],
    }
    if len(touching) > edges_from + len(listed):
        part["edges_left"] = len(touching) - edges_from - len(listed)
    if "inferred_modules" in folding:
        part["inferred_modules"] = {node: path for node, path in folding["inferred_modules"].items() if node in wanted}
    if "memory" in graph:
        part["held_by_node"] = {node: held for node, held in graph["memory"]["held_by_node"].items() if node in wanted}
    return part


def _fold_at(graph: dict[str, Any], cuts: GraphCuts, first_node: str, count: int) -> dict[str, Any] | None:
    """The fold of ``count`` units whose first unit starts with ``first_node``, as ``first_payload``
    cut the graph: a repeat, or a span or a node's inputs cut past the repeats, or past none of them.
    Where the sender did not say how far it cut (``WalkCache.sent``) and a first payload would not
    have cut past the repeats, each depth is looked through in turn."""
    if "folding" not in graph:
        return None
    for folds in cuts.folds(graph):
        found = next(
            (fold for fold in folds() if fold["units"][0][0] == first_node and len(fold["units"]) == count), None
        )
        if found is not None:
            return found
    return None


class GraphCuts:
    """How far ``first_payload`` cut the graph ``graph_part`` was last given, and the folds of
    each depth looked through: the page asks for part after part of one graph, and cutting a
    40,000-node graph takes most of a second. Each inspector keeps its own (``WalkCache.cuts``),
    so that two inspectors never cut each other's graph again, and what it holds (that graph's
    plain data, tens of MB of folds for a big one, no tensor) goes with the inspector. ``depth``
    is how far the payload the page holds was cut, where its sender knows it (``WalkCache.sent``):
    one budget for the graph and its gradients can cut deeper than ``first_payload`` does."""

    def __init__(self, depth: int | None = None) -> None:
        self._depth = depth
        self._graph: dict[str, Any] | None = None
        self._cuts: list[int] = []
        self._folds: dict[int, list[dict[str, Any]]] = {}

    def folds(self, graph: dict[str, Any]) -> list[Callable[[], list[dict[str, Any]]]]:
        """The folds of each depth to look through, each cut when first asked for."""
        if graph is not self._graph:
            cut = _cut(graph, FIRST_PAYLOAD_BYTES)[0] if self._depth is None else self._depth
            self._graph, self._cuts, self._folds = graph, [cut] if cut > 1 else list(range(1, LAST_CUT + 1)), {}
        return [functools.partial(self._folds_at, graph, cut) for cut in self._cuts]

    def _folds_at(self, graph: dict[str, Any], cut: int) -> list[dict[str, Any]]:
        if cut not in self._folds:
            self._folds[cut] = _folds_cut(graph, cut)
        return self._folds[cut]


class WalkCache:
    """The view's snapshot last walked from one inspected tensor, for the graph parts its page asks
    for one after another: a part of G5 (30,000 nodes) took a new walk of 0.5 s each time.

    It holds plain data only, no tensor and no node of torch. It walks again where the tensor's
    ``grad_fn`` is another node (an in-place write made a new graph) or the leaves are named by
    other parameters; the inspector calls ``forget`` when a backward pass ran, since the pass
    released what the nodes saved, and when it closes. ``cuts`` finds the folds of the graph
    walked as its first payload was cut (``graph_part``); ``gradients`` is the last pass's whole
    record, which each part brings its share of.
    """

    def __init__(self) -> None:
        self._key: tuple[int, int, object] | None = None
        self._graph: dict[str, Any] = {}
        self._depth: int | None = None
        self.cuts = GraphCuts()
        self.gradients: dict[str, Any] = {}

    def graph_for(self, root: torch.Tensor, params: Any) -> dict[str, Any]:
        """``graph_for_view(root, params=params)``, walked again only where the graph changed."""
        grad_fn = root.grad_fn
        # The node's address alone could be reused by a new graph; its sequence number is not.
        key = (id(grad_fn), -1 if grad_fn is None else grad_fn._sequence_nr(), _params_key(params))
        if key != self._key:
            self.forget()  # the last walk's folds go before the next walk is made
            self._graph = graph_for_view(root, params=params)
            self._key = key
        return self._graph

    def sent(self, depth: int) -> None:
        """Say how far the graph the page now holds was cut (``sent_graph``), for the parts it asks for."""
        self._depth = depth
        self.cuts = GraphCuts(depth)

    def forget(self) -> None:
        """Let go of the graph walked and its cuts (the gradients are the inspector's to set)."""
        self._key, self._graph, self.cuts = None, {}, GraphCuts(self._depth)


def _params_key(params: Any) -> object:
    if isinstance(params, Mapping):
        return tuple((name, id(tensor)) for name, tensor in params.items())
    return id(params)


def weak_params(params: Any) -> Callable[[], Any]:
    """``params`` as ``autograd_graph`` takes them (a module or a mapping of names to tensors),
    held weakly: a part sent later names its leaves as the first payload did, and nothing of the
    user's program is kept alive for it."""
    if isinstance(params, torch.nn.Module):
        return weakref.ref(params)
    if isinstance(params, Mapping):
        refs = {name: weakref.ref(tensor) for name, tensor in params.items() if isinstance(tensor, torch.Tensor)}
        return lambda: {name: tensor for name, ref in refs.items() if (tensor := ref()) is not None}
    return lambda: None


def _without(graph: dict[str, Any], elided: set[str]) -> dict[str, Any]:
    """The graph without the elided nodes and every edge, inferred module and held count of theirs."""
    sent = {
        **graph,
        "nodes": [node for node in graph["nodes"] if node["id"] not in elided],
        "edges": [edge for edge in graph["edges"] if edge["source"] not in elided and edge["target"] not in elided],
    }
    folding = graph["folding"]
    if "inferred_modules" in folding:
        inferred = {node: path for node, path in folding["inferred_modules"].items() if node not in elided}
        sent["folding"] = {**folding, "inferred_modules": inferred}
    if "memory" in graph:
        held = {node: nbytes for node, nbytes in graph["memory"]["held_by_node"].items() if node not in elided}
        sent["memory"] = {**graph["memory"], "held_by_node": held}
    return sent


def _places(graph: dict[str, Any]) -> dict[str, int]:
    """Each node's place in the graph's list, so that a stretch reads its nodes without going through all."""
    return {node["id"]: place for place, node in enumerate(graph["nodes"])}


def _describe_stretch(
    graph: dict[str, Any], units: list[list[str]], places: dict[str, int], name_characters: int
) -> dict[str, Any]:
    """How many nodes a stretch holds, what it holds for backward, and its distinct names: the
    ops first, then the tensors' names while they fit ``name_characters`` (``names_complete``
    says whether all did)."""
    ids = {node for unit in units for node in unit}
    held = graph.get("memory", {}).get("held_by_node", {})
    inside = [graph["nodes"][place] for place in sorted(places[node] for node in ids)]
    ops = {text: None for node in inside for text in (node["op"], node["forward_op"]) if text}
    names, characters, complete = list(ops), sum(map(len, ops)), True
    for node in inside:
        name = node["name"]
        if name and name not in ops:
            characters += len(name) + 4
            if characters > name_characters:
                complete = False
                break
            names.append(name)
    return {
        "nodes": len(ids),
        "held_nbytes": sum(held.get(node, 0) for node in ids),
        "names": names,
        "names_complete": complete,
    }


def _add_links(
    edges: Iterable[dict[str, Any]],
    stretches: list[tuple[dict[str, Any], list[list[str]]]],
    sent: set[str] | None = None,
) -> None:
    """Each stretch's ``links``: the edges between it and the nodes outside it, counted by pair,
    with null standing for the stretch itself; where ``sent`` says which nodes the page gets,
    those to other nodes only up to LINKS_TO_ELIDED, the most edges first. The stretches share
    LINKS_LISTED links (``_listed``)."""
    where = {node: number for number, (_, units) in enumerate(stretches) for unit in units for node in unit}
    counts: list[Counter[tuple[str | None, str | None]]] = [Counter() for _ in stretches]
    for edge in edges:
        source, target = where.get(edge["source"]), where.get(edge["target"])
        if source == target:  # inside one stretch, or touching none
            continue
        if source is not None:
            counts[source][(None, edge["target"])] += edge_count(edge)
        if target is not None:
            counts[target][(edge["source"], None)] += edge_count(edge)
    share = max(1, LINKS_LISTED // max(1, len(stretches)))  # one at least: the box is drawn linked
    for (stretch, _), links in zip(stretches, counts):
        pairs = list(links.items())
        if sent is not None:
            drawn = [pair for pair in pairs if pair[0][0] in sent or pair[0][1] in sent]
            elsewhere = [pair for pair in pairs if pair[0][0] not in sent and pair[0][1] not in sent]
            pairs = drawn + sorted(elsewhere, key=lambda pair: -pair[1])[:LINKS_TO_ELIDED]
        listed = _listed(pairs, share)
        stretch["links"] = [{"source": source, "target": target, "edges": n} for (source, target), n in listed]
        if len(links) > len(listed):
            stretch["links_left"] = len(links) - len(listed)


def _listed(pairs: list[tuple[tuple[str | None, str | None], int]], share: int) -> list[Any]:
    """``pairs`` as they are where they are ``share`` or fewer, else the ``share`` of most edges, in their order."""
    if len(pairs) <= share:
        return pairs
    kept = set(sorted(range(len(pairs)), key=lambda at: -pairs[at][1])[:share])
    return [pair for at, pair in enumerate(pairs) if at in kept]


def sent_gradients(gradients: dict[str, Any], sent_graph: dict[str, Any]) -> dict[str, Any]:
    """The gradients record (torchinspect.gradients/1) as the page gets it with ``sent_graph``:
    whole where the graph was sent whole, else the records of the nodes sent only, with
    ``steps`` saying how many steps the pass ran in all (G5's whole record is 17.5 MB). What a
    node sent passed back to an elided node is null until the part holding that node comes,
    with it (``part_gradients``): G6's stack alone passes 5,000 gradients back. A node's list of
    thousands of gradients is cut to the entries the page lists and draws (``long_records``)."""
    runs = [run for repeat in sent_graph.get("folding", {}).get("repeats", ()) for run in repeat.get("elided", ())]
    counted = any("count" in edge for edge in sent_graph["edges"])  # a stack's 10,000 gradients, one edge drawn
    if not gradients or not (runs or counted):
        return with_shapes_cut(gradients)
    sent = {node["id"] for node in sent_graph["nodes"]}
    into_runs = {link["target"] for run in runs for link in run["links"] if link["source"] is None}
    drawn_inputs: dict[str, set[int]] = {}
    drawn_outputs: dict[str, set[int]] = {}
    tensors = {node["id"] for node in sent_graph["nodes"] if node["kind"] == "tensor"}
    for edge in sent_graph["edges"]:
        drawn_inputs.setdefault(edge["target"], set()).add(edge["input"])
        if edge["target"] in tensors:  # the root op's output: the page reads what arrived at it
            drawn_outputs.setdefault(edge["source"], set()).add(edge["output_nr"])
    nodes = {}
    for node, record in gradients["nodes"].items():
        if node not in sent:
            continue
        drawn = drawn_inputs.get(node, set())
        if node in into_runs:
            record = {
                **record,
                "leaving": [entry if at in drawn else None for at, entry in enumerate(record["leaving"])],
            }
        nodes[node] = shortened(record, drawn, drawn_outputs.get(node, set()))
    return with_shapes_cut(
        {
            **gradients,
            "order": [node for node in gradients["order"] if node in sent],
            "steps": len(gradients["order"]),
            "nodes": nodes,
            "parameters": [leaf for leaf in gradients["parameters"] if leaf["node"] in sent],
        }
    )


class Bounded(NamedTuple):
    """What ``bounded_with_gradients`` sends: how far it cut the graph (None: as it was sent), the graph, its gradients."""

    depth: int | None
    graph: dict[str, Any]
    gradients: dict[str, Any]


def bounded_with_gradients(
    graph: dict[str, Any],
    gradients: dict[str, Any],
    limit: int = FIRST_PAYLOAD_BYTES,
    whole: Callable[[], dict[str, Any] | None] | None = None,
) -> Bounded:
    """The graph and the gradients record (``sent_gradients``) as the page gets them, within
    ``limit`` together: the two share one budget, as they share the widget's saved state. Where
    the graph as sent (``graph``) and its nodes' records pass it, the graph is cut again,
    deeper, from the whole view's snapshot (``whole()``, walked again after the pass, else
    ``graph`` where it was sent whole), to the first depth whose nodes and their records fit; every record left out
    comes with the part that brings its node. A 300-op chain nothing repeats in was sent whole
    (118 KB) and its record after backward was 213 KB; G4's record is 267 KB. Node ids are
    walk positions, so those the page holds stay.

    Example:
        >>> import torch
        >>> from torchinspect.gradients.recorder import GradientRecorder
        >>> from torchinspect.gradients.report import gradient_report
        >>> from torchinspect.graph.snapshot import graph_for_view
        >>> h = torch.zeros(4, requires_grad=True)
        >>> for op in [torch.sin, torch.tanh, torch.atan] * 40:
        ...     h = op(h * 2)
        >>> root = h.sum()
        >>> graph = first_payload(graph_for_view(root))
        >>> recorder = GradientRecorder(root)
        >>> root.backward()
        >>> record = gradient_report(*recorder.take_record(), graph)
        >>> sent = bounded_with_gradients(graph, record, limit=40_000)
        >>> payload_bytes(graph) + payload_bytes(sent_gradients(record, graph)) > 40_000
        True
        >>> sent.depth > 0 and payload_bytes(sent.graph) + payload_bytes(sent.gradients) <= 40_000
        True
    """
    sent = sent_gradients(gradients, graph)
    if "folding" not in graph or payload_bytes(graph) + payload_bytes(sent) <= limit:
        return Bounded(None, graph, sent)
    # Walked again where it can be: the pass freed what the nodes saved, as the parts will say.
    source = whole() if whole is not None else None
    source = graph if source is None and node_count(graph) == len(graph["nodes"]) else source
    if source is None:  # the tensor is gone and its graph was elided: nothing to cut again from
        return Bounded(None, graph, sent)

    def fits(candidate: dict[str, Any]) -> bool:
        return (
            _fits(candidate, limit)
            and payload_bytes(candidate) + payload_bytes(sent_gradients(gradients, candidate)) <= limit
        )

    depth, folded = _cut(source, limit, fits)
    return Bounded(depth, folded, sent_gradients(gradients, folded))


def sent_graph(graph: dict[str, Any], walked: WalkCache, limit: int = FIRST_PAYLOAD_BYTES) -> dict[str, Any]:
    """``first_payload(graph, limit)``, telling ``walked`` how far it cut, for the parts the page asks for."""
    depth, sent = _cut(graph, limit)
    walked.sent(depth)
    return sent


def part_gradients(gradients: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """What the whole gradients record says of a graph part (``graph_part``): its nodes' records
    by node id, the leaves among them (``parameters``' entries), and in ``leaving`` what the
    nodes outside it passed back to it, which ``sent_gradients`` left null. The leaves are
    measured here: the whole record was made with the graph sent, which lacked them."""
    ids = {node["id"] for node in part["nodes"]}
    records = gradients.get("nodes", {})
    into_part = [
        edge
        for edge in part["edges"]
        if edge["source"] in ids and edge["target"] not in ids and edge["target"] in records
    ]
    return {
        "nodes": with_shapes_cut({"nodes": {node: record for node, record in records.items() if node in ids}})["nodes"],
        "parameters": [
            _parameter(node, records[node["id"]])
            for node in part["nodes"]
            if node["id"] in records and node["kind"] == "leaf"
        ],
        "leaving": [
            {
                "node": edge["target"],
                "input": edge["input"],
                "gradient": gradient_with_shape_cut(records[edge["target"]]["leaving"][edge["input"]]),
            }
            for edge in into_part
        ],
    }


def _parameter(leaf: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """A leaf as gradients/1 lists it in ``parameters``: the norm of the gradient it got."""
    norms = [entry["norm"] for entry in record["arriving"] if entry is not None and entry["norm"] is not None]
    return {"node": leaf["id"], "name": leaf["name"], "norm": math.hypot(*norms) if norms else None}
