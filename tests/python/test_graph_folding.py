"""Folding big graphs in the kernel: repeated parts (layers, blocks, chain steps, fan branches) and
modules inferred from parameter names, read from real torch graphs and hand-built ones."""

import json
import pathlib

import jsonschema
import torch
from torch import nn

import graphs
import torchinspect
from torchinspect.graph.folding import graph_folding, infer_modules, tandem_runs
from torchinspect.graph.snapshot import graph_for_view

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "graph-1.json").read_text())
BUDGET = 60


def validated(graph: dict) -> dict:
    jsonschema.validate(graph, SCHEMA)
    return graph


def boxes_at_first(graph: dict) -> int:
    """What the page draws before anything is opened when each outermost repeat is one box."""
    outer = [repeat for repeat in graph["folding"]["repeats"] if repeat["container"] is None]
    folded = {node for repeat in outer for unit in repeat["units"] for node in unit}
    return len(graph["nodes"]) - len(folded) + len(outer)


def unrecorded(build, **kwargs) -> dict:
    root, _ = build(**kwargs)
    return validated(graph_for_view(root))


def test_an_unrecorded_transformer_folds_into_six_layers_the_first_said_unlike():
    graph = unrecorded(graphs.g4)
    (layers,) = graph["folding"]["repeats"]
    assert len(layers["units"]) == 6 and layers["container"] is None
    assert layers["unlike"] == [0]  # its input needs no gradient: autograd made fewer nodes
    sizes = [len(unit) for unit in layers["units"]]
    assert sizes[0] < sizes[1] == sizes[5]
    assert "safe_softmax" in layers["pattern"] and "native_layer_norm" in layers["pattern"]
    assert boxes_at_first(graph) <= 3


def test_an_unrecorded_resnet_folds_its_three_alike_stages():
    graph = unrecorded(graphs.g3)
    (stages,) = graph["folding"]["repeats"]
    assert len(stages["units"]) == 3
    assert stages["pattern"].count("convolution") == 7  # 3 blocks, one with a projection shortcut
    assert boxes_at_first(graph) <= BUDGET


def test_a_chain_folds_into_its_steps_and_a_fan_into_its_branches():
    chain = unrecorded(graphs.g5, steps=300)
    (steps,) = chain["folding"]["repeats"]
    assert steps["pattern"] == ["mul", "add", "tanh"] and len(steps["units"]) >= 299
    assert boxes_at_first(chain) <= 10
    fan = unrecorded(graphs.g6, leaves=200)
    (branches,) = fan["folding"]["repeats"]
    assert branches["pattern"] == ["sin", "sum"] and len(branches["units"]) == 200
    # Each branch holds its own leaf: the fold hides 600 of 602 nodes.
    assert all(len(unit) == 3 for unit in branches["units"])
    assert boxes_at_first(fan) <= 5


def test_recorded_stamps_win_and_name_the_repeated_modules():
    root, model = graphs.g4(recorded=True)
    graph = validated(graph_for_view(root, params=model))
    folding = graph["folding"]
    assert folding["modules"] == "recorded" and "inferred_modules" not in folding
    (layers,) = folding["repeats"]
    assert (layers["container"], layers["label"], len(layers["units"])) == ("layers", "TransformerEncoderLayer", 6)
    stamped = {node["id"]: node["metadata"].get("module", "") for node in graph["nodes"]}
    for index, unit in enumerate(layers["units"]):
        assert {stamped[node].split(".")[1] for node in unit} == {str(index)}


def test_modules_are_inferred_from_the_parameters_a_model_lends_its_names():
    root, model = graphs.g4()
    graph = validated(graph_for_view(root, params=model))
    inferred = graph["folding"]["inferred_modules"]
    assert graph["folding"]["modules"] == "inferred"
    ops = {node["id"]: node for node in graph["nodes"]}
    softmaxes = [ops[node]["op"] for node, path in inferred.items() if path == "layers.3.self_attn"]
    assert "SafeSoftmaxBackward0" in softmaxes  # no parameter of its own, yet inside the attention
    assert not any(ops[node]["op"] == "SumBackward0" for node in inferred)  # the loss is the user's
    for node, path in inferred.items():
        if ops[node]["kind"] == "leaf":
            assert ops[node]["name"] == f"{path}.{ops[node]['name'].rpartition('.')[2]}"
    (layers,) = graph["folding"]["repeats"]
    assert (layers["container"], layers["label"], len(layers["units"])) == ("layers", "layers.*", 6)


def test_inference_reads_the_notebook_names_of_a_model():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(torch.randn(5, 3)).pow(2).mean()
    inferred = graph_for_view(loss, params={f"net.{k}": v for k, v in model.named_parameters()})
    paths = set(inferred["folding"]["inferred_modules"].values())
    assert paths == {"net.0", "net.2", "net"}  # the relu between the two layers is in net


def test_nothing_is_inferred_from_plain_names_or_tensors_that_are_not_parameters():
    x = torch.randn(3, requires_grad=True)
    w = torch.randn(3, requires_grad=True)
    graph = graph_for_view((x * w).sum(), params={"layer.x": x, "w": w})
    assert graph["folding"] == {"modules": "none", "repeats": []}


def op(node_id: str, name: str, sequence_nr: int) -> dict:
    return {"id": node_id, "kind": "op", "op": name, "forward_op": name.lower(), "name": None, "tensor": None,
            "metadata": {}, "sequence_nr": sequence_nr}  # fmt: skip


def edge(source: str, target: str, input_nr: int = 0) -> dict:
    return {"source": source, "target": target, "input": input_nr, "output_nr": 0}


def test_units_alike_in_ops_but_wired_unlike_do_not_fold_together():
    # Four units of A → B → C → D; in the last two, C takes A's output instead of B's.
    nodes, edges = [], []
    for unit in range(4):
        a, b, c, d = (f"n{4 * unit + step}" for step in range(4))
        nodes += [op(node, name, 4 * unit + step) for step, (node, name) in enumerate(zip((a, b, c, d), "ABCD"))]
        edges += [edge(a, b), edge(a if unit >= 2 else b, c), edge(c, d)]
        if unit:
            edges.append(edge(f"n{4 * unit - 1}", a))
    repeats = graph_folding({"nodes": nodes, "edges": edges})["repeats"]
    assert [[unit[0] for unit in repeat["units"]] for repeat in repeats] == [["n0", "n4"], ["n8", "n12"]]


def test_tandem_runs_pick_the_stretches_that_cover_most():
    assert tandem_runs(list("abcabcabcxyz")) == [(0, 3, 3)]
    assert tandem_runs(list("aaaab")) == [(0, 1, 4)]
    assert tandem_runs(list("aab")) == []  # one op twice is no fold
    assert tandem_runs(list("abcdef")) == []


def parameter(node_id: str, name: str) -> dict:
    return {"id": node_id, "kind": "leaf", "name": name, "tensor": {"is_parameter": True}, "sequence_nr": None}


def test_an_op_between_two_modules_is_in_the_module_around_both():
    leaf = parameter
    nodes = [
        leaf("w0", "enc.a.weight"),
        op("n0", "Mm", 0),
        op("n1", "Relu", 1),
        op("n2", "Mm", 2),
        leaf("w2", "enc.b.weight"),
    ]
    edges = [edge("w0", "n0"), edge("n0", "n1"), edge("n1", "n2"), edge("w2", "n2")]
    assert infer_modules(nodes, edges) == {"w0": "enc.a", "w2": "enc.b", "n0": "enc.a", "n2": "enc.b", "n1": "enc"}
