"""What the kernel sends the page for a graph: the views' extras computed only for them, and a
first payload bounded whatever the graph's size, whose elided parts the page asks for again."""

import torch

import torchinspect
from test_graph_memory import held_by_torch
from torchinspect.graph.folding import graph_folding
from torchinspect.graph.snapshot import graph_for_view


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
