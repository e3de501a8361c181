import json

import torch

import torchinspect


def _saved_scalars(graph: dict) -> list:
    return [node["saved_values"]["scalars"] for node in graph["nodes"] if node["op"] == "ForeachMaximumBackward1"]


def test_saved_floats_and_flags_equal_to_ints_seen_before_keep_their_type():
    # A list of scalars may hold ints, floats or flags: 1.0 and True equal 1.
    a, b = torch.randn(2, requires_grad=True), torch.randn(2, requires_grad=True)

    def graph_of(scalars: list) -> dict:
        return torchinspect.autograd_graph(torch.stack(torch._foreach_maximum([a, b], scalars)).sum())

    ints = _saved_scalars(graph_of([1, 2]))
    floats, flags = _saved_scalars(graph_of([1.0, 2.0])), _saved_scalars(graph_of([True, 2]))

    assert [json.dumps(saved) for saved in ints + floats + flags] == ["[1, 2]", "[1.0, 2.0]", "[true, 2]"]


def test_saved_sizes_read_the_same_on_every_snapshot():
    x = torch.randn(3, 4, requires_grad=True)
    root = x.view(12).expand(2, 12).sum()

    first, again = (torchinspect.autograd_graph(root) for _ in range(2))

    sizes = [node["saved_values"] for node in first["nodes"] if node["op"] in ("ViewBackward0", "ExpandBackward0")]
    assert sizes == [{"self_sym_sizes": [12]}, {"self_sym_sizes": [3, 4]}]
    assert json.dumps(again) == json.dumps(first)
