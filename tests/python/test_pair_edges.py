"""Many edges between one pair of nodes: a leaf stacked with itself sends one edge that counts
them, so the widget's state stays within the bound whatever the count (10,000 edges were 652 KB)."""

import jsonschema
import pytest
import torch

from test_graph_bound import SCHEMA
from test_wire_budget import saved_output_bytes, saved_state_bytes
from torchinspect import autograd_graph, inspect
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES


def torch_pairs(root: torch.Tensor) -> dict[tuple[int, int], int]:
    """How many edges torch's graph has between each pair of nodes, from next_functions, by the nodes' ids."""
    pairs: dict[tuple[int, int], int] = {}
    seen, todo = set(), [root.grad_fn]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for taken, _ in node.next_functions:
            if taken is not None:
                pairs[(id(taken), id(node))] = pairs.get((id(taken), id(node)), 0) + 1
                todo.append(taken)
    return pairs


def sent_pairs(graph: dict) -> dict[tuple[str, str], int]:
    pairs: dict[tuple[str, str], int] = {}
    for edge in graph["edges"]:
        pair = (edge["source"], edge["target"])
        pairs[pair] = pairs.get(pair, 0) + edge.get("count", 1)
    return pairs


@pytest.mark.parametrize("times", [10_000, 100_000])
def test_a_leaf_stacked_with_itself_is_one_counted_edge_within_the_bound(times):
    x = torch.ones(3, requires_grad=True)
    root = torch.stack([x] * times).sum()
    widget = inspect(root, params={"x": x})
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES and saved_output_bytes(widget) <= FIRST_PAYLOAD_BYTES
    jsonschema.validate(widget.graph, SCHEMA)
    sent = sent_pairs(widget.graph)
    # the counts are torch's: between the leaf's AccumulateGrad and the stack, `times` edges
    assert sorted(n for (source, target), n in sent.items() if target != widget.graph["roots"][0]) == sorted(
        torch_pairs(root).values()
    )
    leaf = next(node["id"] for node in widget.graph["nodes"] if node["kind"] == "leaf")
    (counted,) = [edge for edge in widget.graph["edges"] if edge["source"] == leaf]
    assert counted["count"] == times and counted["input"] == 0
    assert len(autograd_graph(root)["edges"]) == times + 2  # the API keeps every edge
    root.backward()
    widget.refresh()
    assert saved_state_bytes(widget) <= FIRST_PAYLOAD_BYTES and saved_output_bytes(widget) <= FIRST_PAYLOAD_BYTES
    assert sent_pairs(widget.graph) == sent


def test_a_few_edges_of_one_pair_are_each_sent():
    x = torch.ones(3, requires_grad=True)
    widget = inspect(x * x)
    assert [edge.get("count") for edge in widget.graph["edges"]] == [None, None, None]
    assert sorted(edge["input"] for edge in widget.graph["edges"] if edge["target"] != widget.graph["roots"][0]) == [
        0,
        1,
    ]
