"""A model run through torch.compile: its compiled region is one node of the graph, never an error."""

import json
import pathlib

import torch
from torch import nn

import torchinspect
from torchinspect.graph.snapshot import graph_for_view

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "graph-1.json").read_text())


def test_a_compiled_model_is_one_node_with_what_it_saved():
    import jsonschema

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    compiled = torch.compile(model, backend="aot_eager")  # inductor would need a C compiler
    loss = compiled(torch.randn(3, 4)).sum()
    graph = graph_for_view(loss, params=model)
    jsonschema.validate(graph, SCHEMA)
    (region,) = [node for node in graph["nodes"] if node["op"] == "CompiledFunctionBackward"]
    saved = region["saved_tensors"]["tensors"]
    expected = [list(tensor.shape) for tensor in loss.grad_fn.next_functions[0][0].saved_tensors]
    assert [item["shape"] for item in saved["items"]] == expected
    leaves = sorted(node["name"] for node in graph["nodes"] if node["kind"] == "leaf")
    assert leaves == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert graph["memory"]["held_nbytes"] > 0
    loss.backward()
    assert graph_for_view(loss)["nodes"][2]["saved_tensors"]["tensors"] == {"kind": "freed"}
