"""One bound for all the page gets of a graph at once: the widget's traits together (the tensor's
card, the graph, the gradients) as Jupyter packs them and a saved notebook keeps them, and each
answer to the page's asks for parts, whatever the units, links, edges or gradients it holds."""

import base64
import json

import jsonschema
import torch
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer

from graphs import square_free
from test_graph_bound import GRADIENTS_SCHEMA, SCHEMA, asked_whole, loaded_whole
from test_graph_wire import lengthened
from torchinspect import inspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.long_texts import short_texts
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES, LINKS_LISTED, payload_bytes

OPS = [torch.sin, torch.tanh, torch.atan]


def saved_state_bytes(widget) -> int:
    """The widget's state as a saved notebook keeps it: every trait but the bundle's code, and its
    binary buffers (the card's preview values) in base64."""
    state, _paths, buffers = _remove_buffers(widget.get_state())
    traits = {name: value for name, value in state.items() if name not in ("_esm", "_css")}
    return len(json_packer(traits)) + sum(len(base64.b64encode(bytes(buffer))) for buffer in buffers)


def saved_output_bytes(widget) -> int:
    """The output a saved notebook keeps for the widget: its card, text and graph and gradients."""
    return len(json_packer(widget._repr_mimebundle_()[0]))


def distinct_ops(steps: int, shape: tuple[int, ...]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A chain nothing repeats in (sin, tanh, atan in square-free order) over a tensor of ``shape``:
    the graph is sent whole up to ~600 ops, its gradients record is half as big again, and a
    128 × 128 root's card carries 85 KB of preview."""
    h0 = torch.randn(*shape, requires_grad=True)
    h = h0
    for letter in square_free(steps):
        h = OPS[letter](h)
    return h, {"h0": h0}


def test_the_card_the_graph_and_its_gradients_share_one_bound_shown_and_saved():
    root, params = distinct_ops(300, (128, 128))
    widget = inspect(root, params=params)
    # the graph whole (121 KB) beside the card (85 KB)
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES and saved_output_bytes(widget) <= FIRST_PAYLOAD_BYTES
    oracle = GradientRecorder(root)
    root.backward(torch.ones_like(root))
    widget.refresh()
    # before: its record (150 KB) beside them, 361 KB in all
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES and saved_output_bytes(widget) <= FIRST_PAYLOAD_BYTES
    jsonschema.validate(widget.graph, SCHEMA)
    jsonschema.validate(json.loads(json.dumps(widget.gradients, allow_nan=False)), GRADIENTS_SCHEMA)
    whole = gradient_report(*oracle.take_record(), graph_for_view(root, params=params))["nodes"]
    sent = widget.gradients["nodes"]
    assert sent and set(sent) <= {node["id"] for node in widget.graph["nodes"]}
    drawn = {(edge["target"], edge["input"]) for edge in widget.graph["edges"]}
    for node, record in sent.items():  # nothing shown wrongly: torch's, or nothing yet where not drawn
        assert lengthened(record, "arriving") == whole[node]["arriving"]
        for at, entry in enumerate(lengthened(record, "leaving")):
            assert entry == (whole[node]["leaving"][at] if (node, at) in drawn else None)
    # everything on request: the graph cut after the pass is the one the kernel finds the parts in
    nodes, edges = loaded_whole(widget)
    view = short_texts(graph_for_view(root, params=params))
    assert [nodes[node["id"]] for node in view["nodes"]] == view["nodes"]
    assert edges == {json.dumps(edge, sort_keys=True) for edge in view["edges"]}
    for fold in widget.graph["folding"]["repeats"]:
        for run in fold["elided"]:
            part = asked_whole(widget, fold, run["units"], [run["units"][0], run["units"][0] + 1])
            records = part["gradients"]["nodes"]
            assert set(records) == {node["id"] for node in part["nodes"]} and all(
                record == whole[node] for node, record in records.items()
            )


def test_a_graph_alone_within_the_bound_is_cut_where_the_card_beside_it_would_pass_it():
    root, params = distinct_ops(600, (128, 128))
    whole = graph_for_view(root, params=params)
    assert FIRST_PAYLOAD_BYTES - 90_000 < payload_bytes(whole) <= FIRST_PAYLOAD_BYTES  # sent whole before: 332 KB saved
    widget = inspect(root, params=params)
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES and saved_output_bytes(widget) <= FIRST_PAYLOAD_BYTES
    nodes, _edges = loaded_whole(widget)
    assert len(nodes) == len(whole["nodes"])


def test_a_part_asked_for_all_at_once_brings_the_units_that_fit_and_leaves_the_rest_folded():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(2_000):
        h = torch.tanh(h * 2 + 1)
    widget = inspect(h)
    (fold,) = widget.graph["folding"]["repeats"]
    (run,) = fold["elided"]
    request = {"repeat": fold["units"][0][0], "count": fold["count"], "stretch": run["units"]}
    part = asked_whole(widget, fold, run["units"], run["units"])  # before: 1,998 units, 2.2 MB
    brought = len(part["units"])
    assert 100 < brought < 1_998
    assert [after["units"] for after in part["elided"]] == [[1 + brought, 1_999]]
    whole = graph_for_view(h)
    assert part["nodes"] == [node for node in whole["nodes"] if node["id"] in {n for u in part["units"] for n in u}]
    assert request["repeat"] == part["repeat"]


def taken_twice(units: int = 4_000) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A repeat whose i-th unit takes weight i, which a stack outside the repeat takes too: each
    stretch of the repeat links to thousands of nodes, sent or elsewhere."""
    weights = {f"w{index}": torch.randn(3, requires_grad=True) for index in range(units)}
    h = torch.zeros(3, requires_grad=True)
    for weight in weights.values():
        h = torch.tanh(h * weight)
    return h.sum() + torch.stack(list(weights.values())).sum(), weights


def test_units_linked_to_thousands_of_nodes_list_the_links_of_most_edges_and_count_the_rest():
    root, params = taken_twice()
    widget = inspect(root, params=params)
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES
    whole = graph_for_view(root, params=params)
    # the span holding the stack: its stretch links to the 10,000 weights, each in another span or sent
    fold, run = max(
        ((fold, run) for fold in widget.graph["folding"]["repeats"] for run in fold["elided"]),
        key=lambda found: len(found[1]["links"]) + found[1].get("links_left", 0),
    )
    assert run["links_left"] > LINKS_LISTED
    low, high = run["units"]
    # a step of 16 units: before, the stretch after them listed every link (answers up to 491 KB)
    part = asked_whole(widget, fold, [low, high], [low, low + 16])
    (after,) = part["elided"]
    assert len(after["links"]) <= LINKS_LISTED < len(after["links"]) + after["links_left"]
    # the links listed are torch's edges, counted by pair; those left out are as many as the pairs less those
    inside = set()
    left = after
    while left is not None:  # the stretch's nodes, part after part
        more = asked_whole(widget, fold, left["units"], left["units"])
        inside |= {node["id"] for node in more["nodes"]}
        left = more["elided"][0] if more["elided"] else None
    pairs: dict[tuple, int] = {}
    for edge in whole["edges"]:
        source, target = edge["source"] in inside, edge["target"] in inside
        if source != target:
            pair = (None, edge["target"]) if source else (edge["source"], None)
            pairs[pair] = pairs.get(pair, 0) + 1
    listed = {(link["source"], link["target"]): link["edges"] for link in after["links"]}
    assert all(pairs[pair] == edges for pair, edges in listed.items())
    assert len(listed) + after["links_left"] == len(pairs)
