"""What the kernel sends the page for a graph: the views' extras computed only for them, and a
first payload bounded whatever the graph's size, whose elided parts the page asks for again."""

import gc
import json
import pathlib
import types

import jsonschema
import pytest
import torch
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer

import graphs
import torchinspect
from test_graph_memory import held_by_torch
from torchinspect import inspect
from torchinspect.graph.folding import graph_folding
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES, NAME_CHARACTERS, first_payload, payload_bytes
from torchinspect.lab.sidebar import TensorsSidebar
from torchinspect.protocol import ERROR_REPLY, GRAPH_PART_REQUEST

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "graph-1.json").read_text())
GRADIENTS_SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "gradients-1.json").read_text())


def test_the_public_graph_is_whole_and_plain_and_the_views_get_memory_and_folding_besides():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(5):
        h = torch.tanh(h * 2 + 1)
    plain = torchinspect.autograd_graph(h)
    viewed = graph_for_view(h)
    assert "folding" not in plain and "memory" not in plain
    saved = [tensor for node in plain["nodes"] for tensor in node["saved_tensors"].values()]
    assert saved and all("storage" not in tensor for tensor in saved)
    assert viewed["folding"] == graph_folding(plain)
    assert viewed["memory"]["held_nbytes"] == held_by_torch(h) > 0
    saved = [tensor for node in viewed["nodes"] for tensor in node["saved_tensors"].values()]
    storages = {tensor["storage"] for tensor in saved if tensor["kind"] == "tensor"}
    assert storages == set(range(len(storages)))


def sent_bytes(widget, trait: str = "graph") -> int:
    """The bytes of the widget's trait as Jupyter's session packs it into the comm message."""
    state, _paths, _buffers = _remove_buffers(widget.get_state())
    return len(json_packer(state[trait]))


@pytest.mark.parametrize(
    ("build", "nodes"), [(graphs.g5, 30_004), (graphs.g6, 15_003)], ids=["G5 (30k chain)", "G6 (15k fan)"]
)
def test_a_big_graph_reaches_the_page_and_the_saved_notebook_within_the_bound(build, nodes):
    root, params = build()
    widget = inspect(root, params=params)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES
    saved = widget._repr_mimebundle_()[0]
    assert len(json_packer(saved)) <= FIRST_PAYLOAD_BYTES + 16_384  # the card and its preview besides
    (repeat,) = widget.graph["folding"]["repeats"]
    (stretch,) = repeat["elided"]
    assert len(widget.graph["nodes"]) + stretch["nodes"] == nodes
    jsonschema.validate(widget.graph, SCHEMA)


def test_a_100k_node_chain_is_sent_in_a_few_kilobytes():
    root, params = graphs.g5(33_333)
    whole = graph_for_view(root, params=params)
    sent = first_payload(whole)
    assert len(whole["nodes"]) == 100_003 and payload_bytes(sent) <= FIRST_PAYLOAD_BYTES
    (repeat,) = sent["folding"]["repeats"]
    assert repeat["count"] == 33_333 and repeat["elided"][0]["names"] == [
        "TanhBackward0",
        "tanh",
        "AddBackward0",
        "add",
        "MulBackward0",
        "mul",
    ]


def lengthened(record: dict, key: str) -> list:
    """A record's list as the page reads it (js_src/core/gradients/record.ts): where the kernel cut
    it (graph/long_records.py), its first entries and those sent past them in their places, null
    elsewhere, at the whole list's length."""
    entries, cut = list(record[key]), record.get("long", {}).get(key)
    if cut is None:
        return entries
    entries += [None] * (cut["length"] - len(entries))
    for index, entry in cut["at"].items():
        entries[int(index)] = entry
    return entries


def ask(widget, **request) -> dict:
    """What the kernel replies to the page's request, as the widget answers it."""
    replies = []
    widget.send = lambda content, buffers=None: replies.append(content)
    widget._answer(widget, {"kind": GRAPH_PART_REQUEST, "id": 7, **request}, [])
    (reply,) = replies
    return reply


def test_the_page_loads_every_elided_unit_by_parts_and_then_holds_the_whole_graph():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(2_000):
        h = torch.tanh(h * 2 + 1)
    widget = inspect(h)
    whole = graph_for_view(h)
    nodes = {node["id"]: node for node in widget.graph["nodes"]}
    edges = {json.dumps(edge, sort_keys=True) for edge in widget.graph["edges"]}
    (repeat,) = widget.graph["folding"]["repeats"]
    stretches = list(repeat["elided"])
    while stretches:
        low, high = stretches.pop()["units"]
        reply = ask(
            widget, repeat=repeat["units"][0][0], count=2_000, stretch=[low, high], units=[low, min(high, low + 700)]
        )
        assert reply["kind"] == GRAPH_PART_REQUEST and reply["id"] == 7
        part = reply["part"]
        nodes.update((node["id"], node) for node in part["nodes"])
        edges.update(json.dumps(edge, sort_keys=True) for edge in part["edges"])
        stretches += part["elided"]
    assert len(nodes) == len(whole["nodes"])
    assert [nodes[node["id"]] for node in whole["nodes"]] == whole["nodes"]
    assert edges == {json.dumps(edge, sort_keys=True) for edge in whole["edges"]}


def test_a_part_of_a_freed_or_changed_graph_is_refused_in_words():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(2_000):
        h = torch.tanh(h * 2 + 1)
    widget = inspect(h)
    (repeat,) = widget.graph["folding"]["repeats"]
    first = repeat["units"][0][0]
    changed = ask(widget, repeat=first, count=1_999, stretch=[1, 1999], units=[1, 5])
    assert changed["kind"] == ERROR_REPLY and "changed since it was drawn; refresh" in changed["message"]
    outside = ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[0, 5])
    assert outside["kind"] == ERROR_REPLY and "not within the elided units" in outside["message"]
    del h
    gc.collect()
    gone = ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[1, 5])
    assert gone["kind"] == ERROR_REPLY and gone["message"].startswith("torchinspect: the tensor is gone")


def test_the_sidebar_sends_a_named_tensors_graph_bounded_and_its_units_on_request():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(2_000):
        h = torch.tanh(h * 2 + 1)
    sidebar = TensorsSidebar(types.SimpleNamespace(user_ns={"h": h}))
    reply, _ = sidebar.answer({"kind": "torchinspect:snapshot", "id": 3, "name": "h"})
    assert len(json_packer(reply["graph"])) <= FIRST_PAYLOAD_BYTES
    (repeat,) = reply["graph"]["folding"]["repeats"]
    asked = {"repeat": repeat["units"][0][0], "count": 2_000, "stretch": [1, 1999], "units": [1, 3]}
    part, _ = sidebar.answer({"kind": GRAPH_PART_REQUEST, "id": 4, "name": "h", **asked})
    assert part["kind"] == GRAPH_PART_REQUEST and part["id"] == 4
    assert [[node["op"] for node in part["part"]["nodes"] if node["id"] in unit] for unit in part["part"]["units"]] == [
        ["TanhBackward0", "AddBackward0", "MulBackward0"]
    ] * 2


def test_a_runs_names_for_search_are_cut_past_their_budget_and_say_so():
    leaves = {f"a_rather_long_leaf_name_{index:05d}": torch.randn(2, requires_grad=True) for index in range(3_000)}
    root = torch.stack([torch.sin(leaf).sum() for leaf in leaves.values()]).sum()
    (repeat,) = first_payload(graph_for_view(root, params=leaves))["folding"]["repeats"]
    (run,) = repeat["elided"]
    assert run["names_complete"] is False and 0 < sum(map(len, run["names"])) <= NAME_CHARACTERS
    assert run["names"][:4] == ["SumBackward0", "sum", "SinBackward0", "sin"]


@pytest.mark.parametrize(("build", "steps"), [(graphs.g5, 30_003), (graphs.g6, 15_002)], ids=["G5", "G6"])
def test_after_backward_the_gradients_of_a_big_graph_are_sent_for_the_nodes_sent(build, steps):
    root, params = build()
    widget = inspect(root, params=params)
    oracle = GradientRecorder(root)  # a record of the same pass, taken apart from the widget
    root.backward()
    widget.refresh()
    whole = gradient_report(*oracle.take_record(), widget.graph)["nodes"]
    assert len(whole) == steps
    assert sent_bytes(widget, "gradients") <= FIRST_PAYLOAD_BYTES
    assert len(json_packer(widget._repr_mimebundle_()[0])) <= FIRST_PAYLOAD_BYTES + 16_384
    sent = widget.gradients
    jsonschema.validate(json.loads(json.dumps(sent, allow_nan=False)), GRADIENTS_SCHEMA)
    # every op and leaf of the graph sent has its record; the root tensor's node ran no step
    assert sent["steps"] == steps and set(sent["nodes"]) == {node["id"] for node in widget.graph["nodes"]} & set(whole)
    assert sent["order"] == sorted(sent["nodes"], key=lambda node: whole[node]["step"])
    drawn = {(edge["target"], edge["input"]) for edge in widget.graph["edges"]}
    for node, record in sent["nodes"].items():  # whole, but for what went back to elided nodes
        assert record["step"] == whole[node]["step"] and lengthened(record, "arriving") == whole[node]["arriving"]
        for at, entry in enumerate(lengthened(record, "leaving")):
            assert entry == (whole[node]["leaving"][at] if (node, at) in drawn else None)
    (repeat,) = widget.graph["folding"]["repeats"]
    (stretch,) = repeat["elided"]
    high = stretch["units"][1]  # the units next to the last, sent one
    part = ask(
        widget, repeat=repeat["units"][0][0], count=repeat["count"], stretch=stretch["units"], units=[high - 16, high]
    )
    records = part["part"]["gradients"]["nodes"]
    assert set(records) == {node["id"] for node in part["part"]["nodes"]} and len(part["part"]["units"]) == 16
    assert all(records[node] == whole[node] for node in records)
    leaves = [node["name"] for node in part["part"]["nodes"] if node["kind"] == "leaf"]
    assert [leaf["name"] for leaf in part["part"]["gradients"]["parameters"]] == leaves  # G6's 16 leaves, none in G5's
    for leaf in part["part"]["gradients"]["parameters"]:
        assert leaf["norm"] == pytest.approx(params[leaf["name"]].grad.norm().item(), rel=1e-6)
    to_part = [
        (edge["target"], edge["input"]) for edge in part["part"]["edges"] if edge["target"] in sent["nodes"]
    ]  # the edges into the part from the nodes the page had: G5's next step, G6's stack
    assert to_part and [(back["node"], back["input"]) for back in part["part"]["gradients"]["leaving"]] == to_part
    assert all(
        back["gradient"] == whole[back["node"]]["leaving"][back["input"]] is not None
        for back in part["part"]["gradients"]["leaving"]
    )
