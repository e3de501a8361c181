"""Folding a big graph so that it reads at first sight: its modules and its repeated parts.

Works on a graph snapshot's plain data (``autograd_graph``'s nodes and edges), so it runs
the same on any snapshot and reads no node of torch. What it finds travels in the
snapshot's ``folding`` field, and the page draws each module and each repeated part as
one box that opens:

- **Modules.** Recorded stamps (``record_modules``) win. Without them, modules are
  inferred from the names of the parameters the graph consumes: an op that takes
  ``layers.0.self_attn.in_proj_weight`` belongs to ``layers.0.self_attn``, and an op
  without parameters belongs to the innermost module whose ops, in forward order
  (sequence numbers), run before and after it, since a module's forward is one
  stretch of the sequence.
- **Repeated parts.** Inside each module and at the top, the parts in forward order (ops,
  and the modules one level down) are read as a sequence; a stretch where the same parts
  come again and again (``mul add tanh`` 10,000 times, six alike encoder layers, the
  sibling branches of a fan) is one repeat of N units. Units are checked to be wired
  alike: the same ops, taking their inputs from the same places in the unit.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

MIN_REPEATS = 2
"""A repeat has at least this many units..."""
MIN_REPEATED_OPS = 8
"""...and at least this many ops in all, so that two ``relu``s in a row stay as they are."""
MIN_REPEATS_OF_ONE = 4
"""A one-op unit repeats at least this often."""
CANDIDATE_PERIODS = 8
"""How many unit lengths are tried, the most frequent distances between repeated pairs first."""


def graph_folding(graph: dict[str, Any]) -> dict[str, Any]:
    """The modules and the repeated parts of a graph snapshot, for its ``folding`` field.

    Example:
        >>> import torch, torchinspect
        >>> h = torch.zeros(4, requires_grad=True)
        >>> for _ in range(5):
        ...     h = torch.tanh(h * 2 + 1)
        >>> folding = graph_folding(torchinspect.autograd_graph(h))
        >>> folding["modules"], [(len(part["units"]), part["pattern"]) for part in folding["repeats"]]
        ('none', [(5, ['mul', 'add', 'tanh'])])
    """
    nodes, edges = graph["nodes"], graph["edges"]
    recorded = _recorded_modules(nodes)
    inferred = {} if recorded else infer_modules(nodes, edges)
    module_of = recorded or inferred
    folding: dict[str, Any] = {
        "modules": "recorded" if recorded else ("inferred" if inferred else "none"),
        "repeats": repeated_parts(nodes, edges, module_of, _module_classes(nodes) if recorded else {}),
    }
    if inferred:
        folding["inferred_modules"] = inferred
    return folding


def _recorded_modules(nodes: Sequence[dict[str, Any]]) -> dict[str, str]:
    recorded = {}
    for node in nodes:
        path = node["metadata"].get("module")
        if isinstance(path, str) and path:
            recorded[node["id"]] = path
    return recorded


def _module_classes(nodes: Sequence[dict[str, Any]]) -> dict[str, str]:
    classes: dict[str, str] = {}
    for node in nodes:
        path, name = node["metadata"].get("module"), node["metadata"].get("module_class")
        if isinstance(path, str) and isinstance(name, str):
            classes.setdefault(path, name)
    return classes


# --- modules inferred from parameter names -------------------------------------------


def infer_modules(nodes: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The module of each node, inferred from the names of the parameters the graph consumes.

    A parameter's leaf named ``layers.0.linear1.weight`` is in ``layers.0.linear1``, and so
    is each op that takes it. Every module then spans, in sequence numbers, from the first
    to the last op that takes one of its parameters (or one of its inner modules'); an op
    without parameters is in the innermost span around it. Ops outside every span (a loss
    after the model) are in no module. Nothing is inferred without a dotted parameter name.

    Example:
        >>> leaf = lambda id, name: {"id": id, "kind": "leaf", "name": name, "tensor": {"is_parameter": True}, "sequence_nr": None}
        >>> op = lambda id, seq: {"id": id, "kind": "op", "name": None, "tensor": None, "sequence_nr": seq}
        >>> nodes = [op("n0", 3), op("n1", 2), op("n2", 1), leaf("n3", "fc.weight"), op("n4", 0), leaf("n5", "fc.bias")]
        >>> edge = lambda source, target: {"source": source, "target": target}
        >>> infer_modules(nodes, [edge("n1", "n0"), edge("n2", "n1"), edge("n4", "n2"), edge("n3", "n4"), edge("n5", "n2")])
        {'n3': 'fc', 'n5': 'fc', 'n4': 'fc', 'n2': 'fc'}
    """
    module_of = {
        node["id"]: node["name"].rpartition(".")[0]
        for node in nodes
        if node["kind"] == "leaf"
        and node["name"]
        and "." in node["name"]
        and (node["tensor"] or {}).get("is_parameter")
    }
    if not module_of:
        return {}
    by_id = {node["id"]: node for node in nodes}
    direct: dict[str, str] = {}
    for edge in edges:
        path = module_of.get(edge["source"])
        target = by_id.get(edge["target"])
        if path is None or target is None or target["kind"] != "op":
            continue
        known = direct.get(target["id"])
        direct[target["id"]] = path if known is None else _common_prefix(known, path)
    spans: dict[str, list[int]] = {}
    for node_id, path in direct.items():
        sequence_nr = by_id[node_id]["sequence_nr"]
        for prefix in _prefixes(path):
            span = spans.setdefault(prefix, [sequence_nr, sequence_nr])
            span[0], span[1] = min(span[0], sequence_nr), max(span[1], sequence_nr)
    module_of.update({node_id: path for node_id, path in direct.items() if path})
    ops = sorted(
        (node["sequence_nr"], node["id"]) for node in nodes if node["kind"] == "op" and node["id"] not in direct
    )
    inside = _innermost_spans(ops, spans)
    module_of.update(inside)
    return module_of


def _innermost_spans(ops: list[tuple[int, str]], spans: dict[str, list[int]]) -> dict[str, str]:
    """The innermost module span around each op: outer spans first, inner ones write over them."""
    from bisect import bisect_left, bisect_right

    sequence = [sequence_nr for sequence_nr, _ in ops]
    found: dict[str, str] = {}
    for path, (first, last) in sorted(spans.items(), key=lambda item: item[0].count(".")):
        for _, node_id in ops[bisect_left(sequence, first) : bisect_right(sequence, last)]:
            found[node_id] = path
    return found


@functools.lru_cache(maxsize=4096)
def _prefixes(path: str) -> tuple[str, ...]:
    """``"a.b.c"`` → ``("a", "a.b", "a.b.c")``; a graph has few distinct paths and many nodes."""
    parts = path.split(".")
    return tuple(".".join(parts[:end]) for end in range(1, len(parts) + 1)) if path else ()


def _common_prefix(first: str, second: str) -> str:
    common = []
    for left, right in zip(first.split("."), second.split(".")):
        if left != right:
            break
        common.append(left)
    return ".".join(common)


# --- repeated parts --------------------------------------------------------------------


def repeated_parts(
    nodes: Sequence[dict[str, Any]],
    edges: Sequence[dict[str, Any]],
    module_of: dict[str, str],
    module_classes: dict[str, str],
) -> list[dict[str, Any]]:
    """The repeats of each container (the top, then each module), outer containers first.

    Each repeat is ``{"container", "units", "pattern", "label", "unlike"}``: the module it
    lies in (None at the top), its units (node ids: ops in forward order, then the leaves
    only that unit takes), the forward ops of one unit where it holds no module, what one
    unit is where it does (the module's class, or its path with the index made ``*``), and
    the units that are not wired exactly like the others (see ``_near_unit``).
    """
    graph = _Graph(nodes, edges, module_of, module_classes)
    repeats = []
    for container in [None, *sorted(graph.modules(), key=lambda path: path.count("."))]:
        if container is not None and len(graph.subtree[container]) < MIN_REPEATED_OPS:
            continue  # too few ops to hold a repeat (a Linear, a LayerNorm)
        parts = graph.parts[container]
        if len(parts) >= MIN_REPEATS:
            repeats.extend(_repeats_in(graph, container, list(parts), list(parts.values())))
    return repeats


def _repeats_in(
    graph: _Graph, container: str | None, items: list[Item], tokens: list[Hashable]
) -> list[dict[str, Any]]:
    """The repeats among one container's parts, the largest first; a nearly alike unit beside
    a repeat joins it (see ``_near_unit``), taking in any smaller repeat it holds."""
    op_positions = {key: position for position, (kind, key) in enumerate(items) if kind == "op"}
    taken = bytearray(len(items))
    repeats = []
    for start, period, count in sorted(tandem_runs(tokens), key=lambda run: -run[1] * run[2]):
        if any(taken[start : start + period * count]):
            continue  # inside a unit that joined a larger repeat
        for first, alike in graph.alike_runs(items, op_positions, start, period, count):
            last = first + alike * period
            units = [items[first + unit * period : first + (unit + 1) * period] for unit in range(alike)]
            unlike = []
            head = _near_unit(tokens, first, period, _free_back(taken, first, period + period // 4), first, at_end=True)
            if head is not None:
                units.insert(0, items[head:first])
                unlike.append(0)
                first = head
            tail = _near_unit(
                tokens, last - period, period, last, _free_on(taken, last, period + period // 4), at_end=False
            )
            if tail is not None and last == start + period * count:
                units.append(items[last:tail])
                unlike.append(len(units) - 1)
                last = tail
            taken[first:last] = b"\x01" * (last - first)
            repeats.append(graph.describe(container, units, unlike))
    return repeats


def _free_back(taken: bytearray, position: int, reach: int) -> int:
    low = position
    while low > 0 and position - low < reach and not taken[low - 1]:
        low -= 1
    return low


def _free_on(taken: bytearray, position: int, reach: int) -> int:
    high = position
    while high < len(taken) and high - position < reach and not taken[high]:
        high += 1
    return high


def _near_unit(tokens: Sequence[Hashable], unit: int, period: int, low: int, high: int, at_end: bool) -> int | None:
    """Where a stretch beside a repeat that is nearly one more unit begins (or ends), if there is one.

    The first layer of a stack often has a few nodes fewer than the others: its input needs
    no gradient, so autograd recorded nothing of what was done to it alone. A stretch of at
    least 80% of a unit's ops, matching a unit in order, right before (or after) the
    repeat is that unit, and the repeat says it is unlike the others.
    """
    if high <= low:
        return None
    from difflib import SequenceMatcher

    window = list(tokens[low:high])
    matcher = SequenceMatcher(None, window, list(tokens[unit : unit + period]), autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return None
    matched = sum(block.size for block in blocks)
    # A unit of a module and the op or two around it is near when it holds that module.
    holds_module = any(isinstance(tokens[unit + block.b], tuple) for block in blocks)
    enough = matched >= 0.8 * period or holds_module
    if at_end:  # the stretch ends where the repeat begins, and begins where its matches do
        edge = low + blocks[0].a
        if enough and matched >= 0.8 * (high - edge):
            return edge
        return None
    edge = low + blocks[-1].a + blocks[-1].size
    if enough and matched >= 0.8 * (edge - low):
        return edge
    return None


def tandem_runs(tokens: Sequence[Hashable]) -> list[tuple[int, int, int]]:
    """Disjoint stretches where a unit of tokens comes again: ``(start, period, repeats)``.

    Unit lengths tried are the most frequent distances between equal pairs of tokens; each
    stretch keeps as many whole units as fit, aligned to its end (a repeated layer ends
    where the next part begins); the stretches covering most tokens win, the shorter unit
    on a tie.

    Example:
        >>> tandem_runs(list("xabcabcabcabcy"))
        [(1, 3, 4)]
    """
    runs = []
    for period in _candidate_periods(tokens):
        start = 0
        while start + period < len(tokens):
            if tokens[start] != tokens[start + period]:
                start += 1
                continue
            end = start
            while end + period < len(tokens) and tokens[end] == tokens[end + period]:
                end += 1
            count = (end - start + period) // period
            # One op again and again is often noise (``relu relu``); one module again is a stack of layers.
            one_op = period == 1 and not isinstance(tokens[start], tuple)
            if count >= (MIN_REPEATS_OF_ONE if one_op else MIN_REPEATS):
                runs.append((end + period - count * period, period, count))
            start = end + 1
    chosen: list[tuple[int, int, int]] = []
    taken = bytearray(len(tokens))
    for start, period, count in sorted(runs, key=lambda run: (-run[1] * run[2], run[1])):
        if not any(taken[start : start + period * count]):
            taken[start : start + period * count] = b"\x01" * (period * count)
            chosen.append((start, period, count))
    return sorted(chosen)


def _candidate_periods(tokens: Sequence[Hashable]) -> list[int]:
    last: dict[tuple[Hashable, Hashable], int] = {}
    distances: Counter[int] = Counter()
    for position in range(len(tokens) - 1):
        pair = (tokens[position], tokens[position + 1])
        seen = last.get(pair)
        if seen is not None:
            distances[position - seen] += 1
        last[pair] = position
    distances.update(period for period in (1,) if len(tokens) > 1 and tokens[0] == tokens[1])
    return [period for period, _ in distances.most_common(CANDIDATE_PERIODS)]


Item = tuple[str, str]
"""One part of a container: ``("op", node id)`` or ``("module", path)``."""


class _Graph:
    """The nodes as containers of parts: what the repeat search reads.

    Built in a few linear passes over the nodes and edges, since it runs on every snapshot:
    30,000-node chains included.
    """

    def __init__(
        self,
        nodes: Sequence[dict[str, Any]],
        edges: Sequence[dict[str, Any]],
        module_of: dict[str, str],
        module_classes: dict[str, str],
    ) -> None:
        self.nodes = {node["id"]: node for node in nodes}
        self.module_classes = module_classes
        self.inputs: dict[str, list[tuple[int, str]]] = {}
        taker: dict[str, str | None] = {}  # the one op that takes each node, None where several do
        for edge in edges:
            source, target = edge["source"], edge["target"]
            inputs = self.inputs.get(target)
            if inputs is None:
                self.inputs[target] = [(edge["input"], source)]
            else:
                inputs.append((edge["input"], source))
            known = taker.get(source, target)
            taker[source] = target if known == target else None
        # A leaf belongs to the unit of the one op that takes it; a shared leaf to none.
        self.leaves_of: dict[str, list[str]] = {}
        self.subtree: dict[str, list[str]] = {}  # ops of each module and those inside it
        self.leaves_in: dict[str, list[str]] = {}  # leaves of each module and those inside it
        ops = []
        # The lists of the modules around each path, found once per path: a graph has few paths.
        ops_around: dict[str, list[list[str]]] = {}
        leaves_around: dict[str, list[list[str]]] = {}
        for node in nodes:
            node_id, kind = node["id"], node["kind"]
            if kind == "op":
                ops.append(node)
                inside, around = self.subtree, ops_around
            elif kind == "leaf":
                only_taker = taker.get(node_id)
                if only_taker is not None:
                    self.leaves_of.setdefault(only_taker, []).append(node_id)
                inside, around = self.leaves_in, leaves_around
            else:
                continue
            path = module_of.get(node_id)
            if path:
                lists = around.get(path)
                if lists is None:
                    lists = around[path] = [inside.setdefault(prefix, []) for prefix in _prefixes(path)]
                for members in lists:
                    members.append(node_id)
        ops.sort(key=lambda node: node["sequence_nr"])
        self.module_tokens: dict[str, Hashable] = {}
        self.parts = self._parts(ops, module_of)

    def _parts(self, ops: list[dict[str, Any]], module_of: dict[str, str]) -> dict[str | None, dict[Item, Hashable]]:
        """The parts of every container large enough to hold a repeat, in forward order (its own
        ops, and its modules one level down), each with the token the repeat search compares: an
        op's name, or a module's kind."""
        parts: dict[str | None, dict[Item, Hashable]] = {None: {}}
        places: dict[str, tuple[dict[Item, Hashable] | None, list[tuple[dict[Item, Hashable], Item, Hashable]]]] = {}
        for node in ops:  # forward order, so each container's parts come in forward order
            path = module_of.get(node["id"], "")
            place = places.get(path)
            if place is None:
                place = places[path] = self._place(path, parts)
            own, modules = place
            for container_parts, item, token in modules:
                container_parts.setdefault(item, token)
            if own is not None:
                own[("op", node["id"])] = node["op"]
        return parts

    def _place(
        self, path: str, parts: dict[str | None, dict[Item, Hashable]]
    ) -> tuple[dict[Item, Hashable] | None, list[tuple[dict[Item, Hashable], Item, Hashable]]]:
        """Where an op of module ``path`` shows: as itself in ``path``, and as the module one
        level down in each module around it; only in the containers large enough to search."""
        prefixes = _prefixes(path)
        containers: list[str | None] = [None, *prefixes]
        searched = {
            container: parts.setdefault(container, {})
            for container in containers
            if container is None or len(self.subtree[container]) >= MIN_REPEATED_OPS
        }
        modules: list[tuple[dict[Item, Hashable], Item, Hashable]] = [
            (searched[container], ("module", module), self._module_token(module))
            for container, module in zip(containers, prefixes)
            if container in searched
        ]
        return searched.get(containers[-1]), modules

    def _module_token(self, module: str) -> Hashable:
        # Sibling modules of one class are alike, even where autograd made fewer nodes in one
        # (the first layer of a stack takes an input that needs no gradient).
        token = self.module_tokens.get(module)
        if token is None:
            token = self.module_tokens[module] = ("module", self.module_classes.get(module) or _starred(module))
        return token

    def modules(self) -> list[str]:
        return list(self.subtree)

    def alike_runs(
        self, items: list[Item], op_positions: dict[str, int], start: int, period: int, count: int
    ) -> list[tuple[int, int]]:
        """The units split where one is wired unlike the one before: ``(first item, units)`` long enough to fold."""
        runs: list[list[int]] = []
        previous: Hashable = None
        for unit in range(count):
            first = start + unit * period
            wiring = self._wiring(items, op_positions, first, first + period)
            if runs and wiring == previous:
                runs[-1][1] += 1
            else:
                runs.append([first, 1])
            previous = wiring
        return [
            (first, alike)
            for first, alike in runs
            if alike >= MIN_REPEATS and self._op_count(items[first : first + period]) * alike >= MIN_REPEATED_OPS
        ]

    def _wiring(self, items: list[Item], op_positions: dict[str, int], first: int, end: int) -> Hashable:
        """Which input of each op of the unit ``items[first:end]`` comes from which op of the
        unit, or from its own leaf.

        Inputs from elsewhere are left out: the first unit of a stack takes no input from a
        unit before it, and is still wired like the others.
        """
        wiring: list[tuple[int, int] | None] = []
        append, leaves_of, inputs = wiring.append, self.leaves_of, self.inputs
        for kind, key in items[first:end]:
            if kind == "module":
                continue
            own_leaves = leaves_of.get(key, ())
            for input_nr, source in inputs.get(key, ()):
                position = op_positions.get(source, -1)
                if first <= position < end:
                    append((input_nr, position - first))
                elif source in own_leaves:
                    append((input_nr, -1))
            append(None)
        return tuple(wiring)

    def _op_count(self, unit: list[Item]) -> int:
        return sum(1 if kind == "op" else len(self.subtree[key]) for kind, key in unit)

    def describe(self, container: str | None, units: list[list[Item]], unlike: list[int]) -> dict[str, Any]:
        ids_of_units = []
        leaves_of = self.leaves_of
        for unit in units:
            ids: list[str] = []
            holds_module = False
            for kind, key in unit:
                if kind == "op":
                    ids.append(key)
                    if key in leaves_of:
                        ids.extend(leaves_of[key])
                else:
                    holds_module = True
                    ids.extend(self.subtree[key])
                    ids.extend(self.leaves_in.get(key, ()))
            # An op's own leaves are its alone; only a module's leaves may be an op's too.
            ids_of_units.append(list(dict.fromkeys(ids)) if holds_module else ids)
        typical = units[1] if unlike[:1] == [0] else units[0]
        modules = [key for kind, key in typical if kind == "module"]
        pattern = None if modules else [self.nodes[key]["forward_op"] or self.nodes[key]["op"] for _, key in typical]
        label = (self.module_classes.get(modules[0]) or _starred(modules[0])) if modules else None
        return {"container": container, "units": ids_of_units, "pattern": pattern, "label": label, "unlike": unlike}


def _starred(path: str) -> str:
    """``layers.0`` → ``layers.*``: what the units of a repeat of sibling modules share."""
    head, _, last = path.rpartition(".")
    return f"{head}.*" if head and last.isdigit() else path
