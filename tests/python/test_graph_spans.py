"""A big graph that nothing repeats in reaches the page folded and bounded: its ops cut into
spans of forward order (graph/spans.py), whose units the page asks for as it asks for a
repeat's; and a graph sent whole whose gradients record is too big is folded after backward."""

import json
import pathlib

import jsonschema
import torch
from torch import nn

import graphs
import torchinspect
from graphs import square_free
from test_graph_wire import ask, sent_bytes
from torchinspect import inspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.folding import graph_folding
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.spans import SPAN_PARTS, span_folds
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES, node_count, payload_bytes

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "graph-1.json").read_text())
OPS = [torch.sin, torch.tanh, torch.atan]


def wide_dag(branches: int = 700) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One input into ``branches`` branches, each scaled by its own weight and through its op, summed together."""
    x = torch.randn(3, requires_grad=True)
    weights = {f"w{index}": torch.randn(3, requires_grad=True) for index in range(branches)}
    outs = [OPS[letter](x * weight) for letter, weight in zip(square_free(branches), weights.values())]
    return torch.stack(outs).sum(), {"x": x, **weights}


def shared_weights(steps: int = 700) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``h = op(h * w + w)`` with a weight of its own at each step, taken by its mul and its add."""
    h0 = torch.randn(3, requires_grad=True)
    weights = {f"w{index}": torch.randn(3, requires_grad=True) for index in range(steps)}
    h = h0
    for letter, weight in zip(square_free(steps), weights.values()):
        h = OPS[letter](h * weight + weight)
    return h.sum(), {"h0": h0, **weights}


class NamedBlocks(nn.Module):
    """Three blocks of 60 distinct Linear layers each, named without indices: parameter names
    give modules (``encoder.fc_a.weight``), and nothing repeats."""

    def __init__(self) -> None:
        super().__init__()
        names = [f"fc_{chr(97 + index // 26)}{chr(97 + index % 26)}" for index in range(60)]
        self.encoder, self.middle, self.decoder = (
            nn.ModuleDict({name: nn.Linear(6, 6) for name in names}) for _ in range(3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in (self.encoder, self.middle, self.decoder):
            for layer, letter in zip(block.values(), square_free(len(block))):
                x = OPS[letter](layer(x))
        return x.sum()


def loaded_whole(widget) -> tuple[dict, set]:
    """Every node and edge the page holds once it asked for every elided unit, as it asks."""
    nodes = {node["id"]: node for node in widget.graph["nodes"]}
    edges = {json.dumps(edge, sort_keys=True) for edge in widget.graph["edges"]}
    for fold in widget.graph["folding"]["repeats"]:
        runs = list(fold.get("elided", ()))
        while runs:
            low, high = runs.pop()["units"]
            asked = {"stretch": [low, high], "units": [low, min(high, low + 40)]}
            part = ask(widget, repeat=fold["units"][0][0], count=fold["count"], **asked)["part"]
            nodes.update((node["id"], node) for node in part["nodes"])
            edges.update(json.dumps(edge, sort_keys=True) for edge in part["edges"])
            runs += part["elided"]
    return nodes, edges


def assert_loads_back_whole(widget, whole: dict) -> None:
    """Every node and edge of the whole graph, equal, once the page asked for every part."""
    nodes, edges = loaded_whole(widget)
    assert [nodes[node["id"]] for node in whole["nodes"]] == whole["nodes"]
    assert edges == {json.dumps(edge, sort_keys=True) for edge in whole["edges"]}


def test_a_2000_op_chain_nothing_repeats_in_is_sent_as_spans_within_the_bound_and_loads_back_whole():
    root, params = graphs.no_repeats()
    whole = graph_for_view(root, params=params)
    assert whole["folding"]["repeats"] == [] and payload_bytes(whole) > 3 * FIRST_PAYLOAD_BYTES
    widget = inspect(root, params=params)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES
    jsonschema.validate(widget.graph, SCHEMA)
    spans = widget.graph["folding"]["repeats"]
    assert len(spans) == SPAN_PARTS and all(span["kind"] == "span" for span in spans)
    assert node_count(widget.graph) == len(whole["nodes"]) > 2_000
    # the spans follow one another through forward order, each of ~83 ops
    ops = [node for node in whole["nodes"] if node["kind"] == "op"]
    assert [span["span"]["first"] for span in spans] == [len(ops) * part // SPAN_PARTS for part in range(SPAN_PARTS)]
    assert sum(span["count"] for span in spans) == len(ops) and {span["span"]["of"] for span in spans} == {len(ops)}
    sequence_nr = {node["id"]: node["sequence_nr"] for node in ops}
    first_ops = [sequence_nr[span["units"][0][0]] for span in spans]
    assert first_ops == sorted(first_ops)
    assert_loads_back_whole(widget, whole)


def test_a_wide_dag_nothing_repeats_in_keeps_each_weight_with_its_op_and_its_shared_input_sent():
    root, params = wide_dag()
    whole = graph_for_view(root, params=params)
    spans = span_folds(whole)
    assert graph_folding(whole)["repeats"] == [] and 0 < len(spans) <= SPAN_PARTS
    names = {node["id"]: node["name"] for node in whole["nodes"]}
    units = [unit for span in spans for unit in span["units"]]
    # a branch's op takes its weight alone: the weight is in the op's unit; x is taken by every branch
    weights = sorted(names[node] for unit in units for node in unit[1:])
    assert weights == sorted(name for name in params if name != "x")
    assert all(names[node] != "x" for unit in units for node in unit)
    widget = inspect(root, params=params)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES and node_count(widget.graph) == len(whole["nodes"])
    assert "x" in {node["name"] for node in widget.graph["nodes"]}
    assert_loads_back_whole(widget, whole)


def test_a_weight_two_ops_of_one_span_take_folds_with_the_first_of_them():
    root, params = shared_weights()
    whole = graph_for_view(root, params=params)
    spans = span_folds(whole)
    assert whole["folding"]["repeats"] == [] and len(spans) == SPAN_PARTS
    names = {node["id"]: node["name"] for node in whole["nodes"]}
    ops = {node["id"]: node for node in whole["nodes"] if node["kind"] == "op"}
    folded = {names[node]: unit[0] for span in spans for unit in span["units"] for node in unit[1:]}
    # the weights of the steps a span cut holds; each with the step's mul, which takes it first
    assert len(folded) > 0.9 * 700 and all(ops[op]["op"] == "MulBackward0" for op in folded.values())
    widget = inspect(root, params=params)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES and node_count(widget.graph) == len(whole["nodes"])
    assert_loads_back_whole(widget, whole)


def test_spans_keep_to_the_top_level_modules_the_parameter_names_give():
    model = NamedBlocks()
    root = model(torch.randn(2, 6))
    whole = graph_for_view(root, params=model)
    assert whole["folding"]["modules"] == "inferred" and whole["folding"]["repeats"] == []
    spans = span_folds(whole)
    inferred = whole["folding"]["inferred_modules"]
    for span in spans:
        ops = [unit[0] for unit in span["units"]]
        assert {inferred[op].split(".")[0] for op in ops} == {span["span"]["module"]}
    assert [span["span"]["module"] for span in spans] == sorted(
        (span["span"]["module"] for span in spans), key=["encoder", "middle", "decoder"].index
    )
    widget = inspect(root, params=model)
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES
    assert {span["span"]["module"] for span in widget.graph["folding"]["repeats"]} == {"encoder", "middle", "decoder"}


def test_a_graph_sent_whole_is_folded_after_backward_where_its_gradients_record_would_pass_the_bound():
    root, params = graphs.g4()
    widget = inspect(root, params=params)
    assert node_count(widget.graph) == len(widget.graph["nodes"]) == 455  # fits: sent whole
    oracle = GradientRecorder(root)
    root.backward()
    widget.refresh()
    whole = gradient_report(*oracle.take_record(), graph_for_view(root, params=params))
    assert payload_bytes(whole) > FIRST_PAYLOAD_BYTES  # what the widget sent before
    assert sent_bytes(widget) <= FIRST_PAYLOAD_BYTES and sent_bytes(widget, "gradients") <= FIRST_PAYLOAD_BYTES
    assert node_count(widget.graph) == 455
    (layers,) = widget.graph["folding"]["repeats"]
    assert layers["count"] == 6 and layers["label"] == "layers.*"
    sent = widget.gradients
    assert set(sent["nodes"]) == {node["id"] for node in widget.graph["nodes"]} & set(whole["nodes"])
    assert all(record["arriving"] == whole["nodes"][node]["arriving"] for node, record in sent["nodes"].items())
    (run,) = layers["elided"]
    part = ask(widget, repeat=layers["units"][0][0], count=6, stretch=run["units"], units=run["units"])["part"]
    records = part["gradients"]["nodes"]
    assert set(records) == {node["id"] for node in part["nodes"]} & set(whole["nodes"])
    assert all(records[node] == whole["nodes"][node] for node in records)
