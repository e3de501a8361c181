"""The first payload stays within the bound for graphs that repeats and spans alone left past it:
a node taking thousands of leaves, links by the thousand to nodes elided elsewhere, thousands of
small repeats, long names; and each folded part the page asks for gives back the exact graph."""

import gc
import json
import math
import pathlib
import weakref
from collections import Counter

import jsonschema
import pytest
import torch
from jupyter_client.session import json_packer

import torchinspect
import torchinspect.graph.wire
from graphs import square_free
from test_graph_wire import ask, lengthened, sent_bytes
from torchinspect import inspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.inputs import INPUTS_SHOWN, input_folds
from torchinspect.graph.long_records import LISTED_ENTRIES
from torchinspect.graph.long_texts import TEXT_CHARACTERS, short_text, short_texts
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.spans import SPAN_PARTS
from torchinspect.graph.wire import (
    FIRST_PAYLOAD_BYTES,
    GATHERED_SHOWN,
    LINKS_TO_ELIDED,
    NAME_CHARACTERS,
    GraphCuts,
    graph_part,
    node_count,
    payload_bytes,
)

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "graph-1.json").read_text())
GRADIENTS_SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "gradients-1.json").read_text())
OPS = [torch.sin, torch.tanh, torch.atan]


def stacked_leaves(leaves: int = 2_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``torch.stack`` of ``leaves`` leaves nothing else takes, then a chain nothing repeats in."""
    named = {f"leaf{index}": torch.randn(3, requires_grad=True) for index in range(leaves)}
    h = torch.stack(list(named.values())).sum(0)
    for letter in square_free(300):
        h = OPS[letter](h)
    return h.sum(), named


def fan_out(branches: int = 8_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One input scaled into ``branches`` branches, each through its op, stacked: the stack takes them all."""
    x = torch.randn(3, requires_grad=True)
    return torch.stack([OPS[letter](x * (index + 1.0)) for index, letter in enumerate(square_free(branches))]).sum(), {
        "x": x
    }


def tree_of_adds(leaves: int = 6_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``leaves`` leaves added pairwise, level after level, to one tensor."""
    named = {f"t{index}": torch.randn(3, requires_grad=True) for index in range(leaves)}
    level = list(named.values())
    while len(level) > 1:
        level = [sum(level[index : index + 2]) for index in range(0, len(level), 2)]
    return level[0].sum(), named


def small_repeats(runs: int = 500, each: int = 8) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain where each op comes ``each`` times in a row, the ops in square-free order: ``runs`` small repeats."""
    h0 = torch.randn(3, requires_grad=True)
    h = h0
    for letter in square_free(runs):
        for _ in range(each):
            h = OPS[letter](h)
    return h.sum(), {"h0": h0}


def long_names(steps: int = 2_500, length: int = 120) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in with a weight of its own at each step, named by a long module path."""
    h0 = torch.randn(3, requires_grad=True)
    named = {"h0": h0}
    h = h0
    for step, letter in enumerate(square_free(steps)):
        weight = named[f"{'model.encoder.blocks.attention.' * 4}w{step}".rjust(length, "_")] = torch.randn(
            3, requires_grad=True
        )
        h = OPS[letter](h * weight)
    return h.sum(), named


def wide_steps(steps: int = 400, each: int = 17) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in, each step adding a stack of ``each`` leaves of its own: as many
    nodes taking more than INPUTS_SHOWN leaves as steps, none in a repeat."""
    h0 = torch.randn(2, requires_grad=True)
    named = {"h0": h0}
    h = h0
    for step, letter in enumerate(square_free(steps)):
        leaves = [named.setdefault(f"s{step}.l{leaf}", torch.randn(2, requires_grad=True)) for leaf in range(each)]
        h = OPS[letter](h + torch.stack(leaves).sum(0))
    return h.sum(), named


def long_texts(steps: int = 1_200, length: int = 100_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in with a few weights named by ``length`` characters of module path,
    and a few steps through a custom Function whose class name is ``length`` characters long."""
    h0 = torch.randn(3, requires_grad=True)
    named = {"h0": h0}
    h = h0
    for step, letter in enumerate(square_free(steps)):
        if step % 400 == 1:
            weight = named[f"block{step}." * (length // 7) + "weight"] = torch.randn(3, requires_grad=True)
            h = h * weight
        if step % 400 == 2:
            body = {"forward": staticmethod(lambda ctx, x: x * 2), "backward": staticmethod(lambda ctx, g: g * 2)}
            h = type(f"Twice{step}".ljust(length, "x"), (torch.autograd.Function,), body).apply(h)
        h = OPS[letter](h)
    return h.sum(), named


def strings_in(value: object) -> list[str]:
    """Every string in JSON data, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings_in(item)]]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def loaded_whole(widget) -> tuple[dict, set]:
    """Every node and edge the page holds once it asked for every elided run, a whole run at a time,
    as the page asks (``parts.ts``): each answer within the bound, bringing the first units that fit
    and leaving the rest in one run, or one unit and the first of its edges that fit, the rest asked
    for from where it stopped."""
    nodes = {node["id"]: node for node in widget.graph["nodes"]}
    edges = {json.dumps(edge, sort_keys=True) for edge in widget.graph["edges"]}
    for fold in widget.graph["folding"]["repeats"]:
        for run in fold.get("elided", ()):
            left, brought = run, 0
            while left is not None:
                part = asked_whole(widget, fold, left["units"], left["units"])
                assert sum(map(len, part["units"])) == len(part["nodes"]) and part["units"]
                after = [left["units"][0] + len(part["units"]), left["units"][1]]
                assert [run["units"] for run in part["elided"]] in ([], [after])
                brought += len(part["nodes"])
                nodes.update((node["id"], node) for node in part["nodes"])
                edges.update(json.dumps(edge, sort_keys=True) for edge in part["edges"])
                left = part["elided"][0] if part["elided"] else None
            assert brought == run["nodes"]
    return nodes, edges


def asked_whole(widget, fold: dict, stretch: list[int], units: list[int]) -> dict:
    """The part the page holds once it asked for ``units`` and then for every edge left, each answer bounded."""
    request = {"repeat": fold["units"][0][0], "count": fold["count"], "stretch": stretch}
    reply = ask(widget, **request, units=units)
    part, edges = reply["part"], list(reply["part"]["edges"])
    sizes = [len(json_packer(reply))]
    while reply["part"].get("edges_left"):
        units = [units[0], units[0] + len(part["units"])]
        reply = ask(widget, **request, units=units, edges=len(edges))
        assert reply["part"]["nodes"] == part["nodes"] and reply["part"]["edges"]
        edges += reply["part"]["edges"]
        sizes.append(len(json_packer(reply)))
    for answer in (part, reply["part"]):
        assert max(map(len, strings_in(answer)), default=0) <= TEXT_CHARACTERS
    assert max(sizes) <= FIRST_PAYLOAD_BYTES
    return {**part, "edges": edges}


def assert_bounded_and_loads_back_whole(root: torch.Tensor, params: dict[str, torch.Tensor]) -> dict:
    """The widget's graph is past the bound whole, within it as sent, valid, no string in it or its
    parts past TEXT_CHARACTERS, and the exact graph once every part is asked for: ``graph_for_view``'s
    nodes and edges, ``autograd_graph``'s ids, ops and names (long ones shortened, ``short_texts``)."""
    whole = graph_for_view(root, params=params)
    assert payload_bytes(whole) > FIRST_PAYLOAD_BYTES
    widget = inspect(root, params=params)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES
    jsonschema.validate(widget.graph, SCHEMA)
    assert max(map(len, strings_in(widget.graph))) <= TEXT_CHARACTERS
    whole = short_texts(whole)
    assert node_count(widget.graph) == len(whole["nodes"])
    nodes, edges = loaded_whole(widget)
    assert [nodes[node["id"]] for node in whole["nodes"]] == whole["nodes"] and len(nodes) == len(whole["nodes"])
    assert edges == {json.dumps(edge, sort_keys=True) for edge in whole["edges"]}
    public = short_texts(torchinspect.autograd_graph(root, params=params))
    described = [(node["id"], node["kind"], node["op"], node["name"]) for node in public["nodes"]]
    assert described == [(node["id"], node["kind"], node["op"], node["name"]) for node in whole["nodes"]]
    return widget.graph


def test_the_leaves_a_node_takes_by_the_thousand_are_one_fold_of_its_inputs_that_opens_to_each():
    root, params = stacked_leaves()
    whole = graph_for_view(root, params=params)
    stack = next(node for node in whole["nodes"] if node["op"] == "StackBackward0")
    (inputs,) = input_folds(whole)
    names = {node["id"]: node["name"] for node in whole["nodes"]}
    # each leaf a unit, in the order the stack takes them
    assert [names[leaf] for (leaf,) in inputs["units"]] == list(params)
    assert inputs["inputs"] == {"of": stack["id"], "op": "StackBackward0"}
    sent = assert_bounded_and_loads_back_whole(root, params)
    (fold,) = [fold for fold in sent["folding"]["repeats"] if fold["kind"] == "inputs"]
    assert fold["count"] == 2_000 and [run["units"] for run in fold["elided"]] == [[1, 1_999]]
    (run,) = fold["elided"]
    assert run["links"] == [{"source": None, "target": stack["id"], "edges": 1_998}]
    assert "leaf100" in run["names"]  # the names share the budget with the spans': the first ones


def test_a_few_leaves_stay_with_their_node():
    leaves = [torch.randn(2, requires_grad=True) for _ in range(INPUTS_SHOWN)]
    assert input_folds(graph_for_view(torch.stack(leaves).sum())) == []
    shared = torch.randn(2, requires_grad=True)  # taken by every op: not the stack's alone
    assert input_folds(graph_for_view(torch.stack([shared * index for index in range(100)]).sum())) == []


def test_a_stretch_sent_first_lists_a_bounded_number_of_links_to_nodes_elided_elsewhere():
    root, params = fan_out()
    sent = assert_bounded_and_loads_back_whole(root, params)
    ids = {node["id"] for node in sent["nodes"]}
    for fold in sent["folding"]["repeats"]:
        for run in fold["elided"]:
            elsewhere = [link for link in run["links"] if link["source"] not in ids and link["target"] not in ids]
            assert len(elsewhere) <= LINKS_TO_ELIDED


def test_a_tree_of_adds_is_within_the_bound_and_loads_back_whole():
    assert_bounded_and_loads_back_whole(*tree_of_adds())


def test_thousands_of_small_repeats_are_cut_into_spans_of_forward_order_instead():
    root, params = small_repeats()
    assert len(graph_for_view(root, params=params)["folding"]["repeats"]) > 400
    sent = assert_bounded_and_loads_back_whole(root, params)
    assert {fold["kind"] for fold in sent["folding"]["repeats"]} == {"span"}


def test_the_names_listed_for_search_share_one_budget():
    root, params = long_names()
    sent = assert_bounded_and_loads_back_whole(root, params)
    runs = [run for fold in sent["folding"]["repeats"] for run in fold["elided"]]
    ops = {node["op"] for node in graph_for_view(root)["nodes"]} | {node["forward_op"] for node in sent["nodes"]}
    listed = [name for run in runs for name in run["names"] if name not in ops]
    assert 0 < sum(len(name) + 4 for name in listed) <= NAME_CHARACTERS
    assert not all(run["names_complete"] for run in runs)


def split_and_cat(pieces: int = 3_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``x * 2`` split into ``pieces`` rows, each through sin or cos, and cat again: the split gets
    ``pieces`` gradients, and the cat passes ``pieces`` back."""
    x = torch.randn(pieces, 2, requires_grad=True)
    rows = torch.split(x * 2, [1] * pieces)
    return torch.cat([row.sin() if index % 3 else row.cos() for index, row in enumerate(rows)]).sum(), {"x": x}


def test_a_node_gradients_by_the_thousand_reach_the_page_cut_to_what_it_lists_and_draws():
    root, params = split_and_cat()
    widget = inspect(root, params=params)
    oracle = GradientRecorder(root)
    root.backward()
    widget.refresh()
    whole = gradient_report(*oracle.take_record(), graph_for_view(root, params=params))
    assert payload_bytes(whole) > 3 * FIRST_PAYLOAD_BYTES
    assert sent_bytes(widget, "gradients") <= FIRST_PAYLOAD_BYTES
    jsonschema.validate(widget.gradients, GRADIENTS_SCHEMA)
    sent = widget.gradients["nodes"]
    ops = {node["id"]: node["op"] for node in widget.graph["nodes"]}
    (split,) = [node for node in sent if ops[node] == "SplitWithSizesBackward0"]
    (cat,) = [node for node in sent if ops[node] == "CatBackward0"]
    for node in sent:  # every entry sent is torch's, in its place, in a list of the whole length
        for key in ("arriving", "leaving"):
            entries = lengthened(sent[node], key)
            assert len(entries) == len(whole["nodes"][node][key])
            assert all(entry in (None, whole["nodes"][node][key][at]) for at, entry in enumerate(entries))
    assert len(sent[split]["arriving"]) == LISTED_ENTRIES and sent[split]["long"]["arriving"]["length"] == 3_000
    # the node's colour: the magnitude of all 3,000 gradients that arrived, as torch computes them
    x = params["x"].detach().requires_grad_()
    doubled = x * 2
    rows = torch.split(doubled, [1] * 3_000)
    (expected,) = torch.autograd.grad(
        torch.cat([r.sin() if i % 3 else r.cos() for i, r in enumerate(rows)]).sum(), doubled
    )
    magnitude = sent[split]["long"]["arriving"]["magnitude"]
    assert magnitude["nan"] == magnitude["inf"] == 0 and math.isclose(
        magnitude["norm"], expected.norm().item(), rel_tol=1e-5
    )
    # what the cat passed back to the rows a part brings comes with that part, as torch computed it
    span = next(fold for fold in widget.graph["folding"]["repeats"] if fold["elided"])
    (run,) = span["elided"]
    part = ask(widget, repeat=span["units"][0][0], count=span["count"], stretch=run["units"], units=run["units"])[
        "part"
    ]
    into_cat = [back for back in part["gradients"]["leaving"] if back["node"] == cat]
    assert into_cat and all(back["gradient"] == whole["nodes"][cat]["leaving"][back["input"]] for back in into_cat)


def first_elided_run(widget) -> dict:
    """The request for the first 8 units of the first elided run of the widget's graph."""
    fold = next(fold for fold in widget.graph["folding"]["repeats"] if fold["elided"])
    run = fold["elided"][0]["units"]
    return {"repeat": fold["units"][0][0], "count": fold["count"], "stretch": run, "units": [run[0], run[0] + 8]}


def test_two_inspectors_cut_their_own_graphs_once_and_one_closed_lets_its_cuts_go(monkeypatch):
    (stack, stacked), (tree, added) = stacked_leaves(), tree_of_adds(3_000)
    widgets = [inspect(stack, params=stacked), inspect(tree, params=added)]
    requests = [first_elided_run(widget) for widget in widgets]
    cuts: list[int] = []  # one for each time a graph's spans are cut
    spans = torchinspect.graph.wire.span_folds

    def counted(*args, **kwargs):
        cuts.append(1)
        return spans(*args, **kwargs)

    monkeypatch.setattr(torchinspect.graph.wire, "span_folds", counted)
    parts = [ask(widget, **request)["part"] for widget, request in zip(widgets, requests)]
    cut_once = len(cuts)
    for _ in range(3):  # the pages ask in turn: neither cuts the other's graph again
        again = [ask(widget, **request)["part"] for widget, request in zip(widgets, requests)]
        assert again == parts and len(cuts) == cut_once
    for part, (root, params), request in zip(parts, [(stack, stacked), (tree, added)], requests):
        asked = request["repeat"], request["count"], request["stretch"], request["units"]
        assert part == graph_part(graph_for_view(root, params=params), GraphCuts(), *asked)
    held, cut_before = weakref.ref(widgets[0]._walked.cuts), len(cuts)
    widgets[0].close()
    gc.collect()
    assert held() is None  # the closed inspector's walk and folds are gone, though `widgets` holds it
    assert ask(widgets[1], **requests[1])["part"] == parts[1] and len(cuts) == cut_before


def test_thousands_of_nodes_taking_leaves_of_their_own_keep_them_in_the_spans_that_elide_them():
    root, params = wide_steps()
    sent = assert_bounded_and_loads_back_whole(root, params)
    stacks = [node["id"] for node in graph_for_view(root, params=params)["nodes"] if node["op"] == "StackBackward0"]
    inputs = [fold for fold in sent["folding"]["repeats"] if fold["kind"] == "inputs"]
    sent_ids = {node["id"] for node in sent["nodes"]}
    # only the stacks the page gets have their leaves folded apart, and each of those does
    assert {fold["inputs"]["of"] for fold in inputs} == {stack for stack in stacks if stack in sent_ids}
    assert len(stacks) == 400 and 0 < len(inputs) < 100


def test_a_name_or_op_of_100_000_characters_reaches_the_page_shortened_around_an_ellipsis():
    root, params = long_texts()
    whole = {node["id"]: node for node in graph_for_view(root, params=params)["nodes"]}
    assert_bounded_and_loads_back_whole(root, params)
    loaded, _ = loaded_whole(inspect(root, params=params))
    long_names = [node for node in loaded.values() if node["name"] and "…" in node["name"]]
    long_ops = [node for node in loaded.values() if "…" in (node["op"] or "")]
    assert long_names and long_ops
    for node, key in [*((node, "name") for node in long_names), *((node, "op") for node in long_ops)]:
        head, tail = node[key].split("…")
        assert whole[node["id"]][key].startswith(head) and whole[node["id"]][key].endswith(tail)
        assert len(node[key]) == TEXT_CHARACTERS and len(whole[node["id"]][key]) >= 100_000
    public = torchinspect.autograd_graph(root, params=params)["nodes"]  # the API's graph keeps the whole text
    assert [node["name"] for node in public] == [node["name"] for node in whole.values()]


def shared_leaves(leaves: int = 1_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``leaves`` leaves each taken by a stack and by a cat: no node takes them alone, and the few ops hold no span."""
    named = {f"l{index}": torch.randn(2, requires_grad=True) for index in range(leaves)}
    return torch.stack(list(named.values())).sum() + torch.cat(list(named.values())).sum(), named


def weights_in_two_spans(steps: int = 1_500) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in whose weight ``i`` is taken at step ``i`` and at step ``i + steps / 2``:
    the takers of every weight lie in two spans."""
    named = {f"w{index}": torch.randn(3, requires_grad=True) for index in range(steps // 2)}
    weights = list(named.values())
    h = named["h0"] = torch.randn(3, requires_grad=True)
    for step, letter in enumerate(square_free(steps)):
        h = OPS[letter](h * weights[step % len(weights)])
    return h.sum(), named


def test_leaves_a_stack_and_a_cat_both_take_fold_with_the_first_saying_how_many_others_take_them():
    root, params = shared_leaves()
    sent = assert_bounded_and_loads_back_whole(root, params)
    ops = {node["op"]: node["id"] for node in sent["nodes"]}
    (fold,) = [fold for fold in sent["folding"]["repeats"] if fold["kind"] == "inputs"]
    assert fold["count"] == 1_000 and fold["inputs"] == {
        "of": ops["StackBackward0"],
        "op": "StackBackward0",
        "others": 1,
    }
    (run,) = fold["elided"]
    assert sorted((link["target"], link["edges"]) for link in run["links"]) == sorted(
        [(ops["StackBackward0"], 998), (ops["CatBackward0"], 998)]
    )


def test_weights_taken_in_two_spans_go_with_the_first_that_takes_them():
    root, params = weights_in_two_spans()
    sent = assert_bounded_and_loads_back_whole(root, params)
    assert {fold["kind"] for fold in sent["folding"]["repeats"]} == {"span"}
    assert sum(node["kind"] == "leaf" for node in sent["nodes"]) < 100  # of 751


def stacked_then_concatenated(leaves: int = 1_000, steps: int = 300) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``leaves`` leaves stacked at the start of a chain nothing repeats in, and concatenated at its
    end: their takers lie in two spans far apart, the stack the first unit of its span, which is sent."""
    named = {f"l{index}": torch.randn(2, requires_grad=True) for index in range(leaves)}
    h = torch.stack(list(named.values())).sum(0)
    for letter in square_free(steps):
        h = OPS[letter](h)
    return h.sum() + torch.cat(list(named.values())).sum(), named


def stacked_and_concatenated_soon(
    leaves: int = 1_000, steps: int = 300
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``leaves`` leaves stacked at the start of a chain nothing repeats in, and concatenated four ops
    later: their takers lie in one span, the stack its first unit, which is sent."""
    named = {f"l{index}": torch.randn(2, requires_grad=True) for index in range(leaves)}
    h = torch.stack(list(named.values())).sum(0)
    for step, letter in enumerate(square_free(steps)):
        h = OPS[letter](h) if step != 4 else OPS[letter](h) + torch.cat(list(named.values())).sum()
    return h.sum(), named


@pytest.mark.parametrize("build", [stacked_then_concatenated, stacked_and_concatenated_soon])
def test_many_leaves_a_sent_op_takes_with_others_fold_as_its_inputs_not_into_its_unit(build):
    root, params = build()
    sent = assert_bounded_and_loads_back_whole(root, params)
    (fold,) = [fold for fold in sent["folding"]["repeats"] if fold["kind"] == "inputs"]
    assert fold["count"] == 1_000 and fold["inputs"]["op"] == "StackBackward0" and fold["inputs"]["others"] == 1
    assert sum(node["kind"] == "leaf" for node in sent["nodes"]) == 2  # the fold's first and last


def sixteen_leaves_a_step(steps: int = 300) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Each step stacks the chain with 16 leaves of its own (as many as stay unfolded), named by
    200 characters, and reduces it by sum, mean or amax in square-free order: every unit a span
    sends that is a stack carries 16 leaves."""
    reductions = [lambda t: t.sum(0), lambda t: t.mean(0), lambda t: t.amax(0)]
    h0 = torch.randn(2, requires_grad=True)
    named = {"h0": h0}
    h = h0
    for step, letter in enumerate(square_free(steps)):
        leaves = [torch.randn(2, requires_grad=True) for _ in range(INPUTS_SHOWN)]
        named.update((f"s{step}.l{leaf}".rjust(TEXT_CHARACTERS, "m"), t) for leaf, t in enumerate(leaves))
        h = reductions[letter](torch.stack([h, *leaves]))
    return h.sum(), named


def test_the_units_spans_send_keep_few_leaves_at_the_last_resort():
    root, params = sixteen_leaves_a_step()
    sent = assert_bounded_and_loads_back_whole(root, params)
    leaves = {node["id"] for node in sent["nodes"] if node["kind"] == "leaf"}
    sent_leaves_taken = Counter(edge["target"] for edge in sent["edges"] if edge["source"] in leaves)
    assert 0 < max(sent_leaves_taken.values()) <= GATHERED_SHOWN


def weights_of_1000_dimensions(steps: int = 300) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in over tensors of 1,001 dimensions, a weight multiplied in at each
    step: every shape the nodes list, and the op's two saved tensors', is 1,001 long (4 KB a shape)."""
    shape = [1] * 1_000 + [2]
    h0 = torch.randn(shape, requires_grad=True)
    named = {"h0": h0}
    h = h0
    for step, letter in enumerate(square_free(steps)):
        h = OPS[letter](h * named.setdefault(f"w{step}", torch.randn(shape, requires_grad=True)))
    return h.sum(), named


def test_units_too_big_for_the_spans_to_send_two_each_are_sent_by_fewer_spans():
    root, params = weights_of_1000_dimensions()
    sent = assert_bounded_and_loads_back_whole(root, params)
    spans = [fold for fold in sent["folding"]["repeats"] if fold["kind"] == "span"]
    assert 0 < len(spans) < SPAN_PARTS


def test_a_name_of_100_000_characters_given_to_inspect_reaches_the_page_and_the_saved_notebook_shortened():
    name = "model.encoder." * 7_000 + "hidden"
    widget = inspect(torch.randn(3, requires_grad=True) * 2, name=name)
    assert widget.snapshot["name"] == short_text(name) and widget.snapshot["name"].endswith("encoder.hidden")
    assert len(json_packer(widget._repr_mimebundle_()[0])) <= FIRST_PAYLOAD_BYTES
