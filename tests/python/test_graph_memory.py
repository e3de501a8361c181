"""What a graph holds for backward: its saved tensors' distinct storages, checked against torch."""

import torch
from torch import nn

import graphs
from torchinspect.graph.snapshot import graph_for_view


def walk(root: torch.Tensor) -> list:
    seen, pending = {root.grad_fn: None}, [root.grad_fn]
    while pending:
        for source, _ in pending.pop().next_functions:
            if source is not None and source not in seen:
                seen[source] = None
                pending.append(source)
    return list(seen)


def saved_tensors(node) -> list[torch.Tensor]:
    found = []
    for attribute in dir(node):
        if not attribute.startswith("_saved_"):
            continue
        value = getattr(node, attribute)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, torch.Tensor):
                found.append(item)
    return found


def storage_key(tensor: torch.Tensor) -> tuple[str, int]:
    return str(tensor.device), tensor.untyped_storage().data_ptr()


def held_by_torch(root: torch.Tensor) -> int:
    """The oracle: the bytes of the distinct storages the nodes saved, the leaves' left out."""
    nodes = walk(root)
    leaves = {storage_key(node.variable) for node in nodes if hasattr(node, "variable")}
    storages = {}
    for node in nodes:
        for tensor in saved_tensors(node):
            storages.setdefault(storage_key(tensor), tensor.untyped_storage().nbytes())
    return sum(nbytes for key, nbytes in storages.items() if key not in leaves)


def test_a_tensor_saved_by_two_nodes_is_counted_once_and_leaves_not_at_all():
    x = torch.randn(1000, requires_grad=True)
    y = x.exp()  # saves its result y
    z = (y * y).sum()  # saves y twice
    memory = graph_for_view(z)["memory"]
    assert memory["held_nbytes"] == y.untyped_storage().nbytes() == 4000
    assert sum(memory["held_by_node"].values()) == 4000


def test_a_saved_view_keeps_its_whole_storage():
    x = torch.randn(100, 100, requires_grad=True)
    h = torch.tanh(x)
    out = (h[:2] ** 2).sum()  # pow saves an 800-byte view of the storage tanh saved as its result
    assert graph_for_view(out)["memory"]["held_nbytes"] == h.untyped_storage().nbytes() == 40_000


def test_real_models_hold_what_torch_says_their_nodes_saved():
    for build in (graphs.g2, graphs.g3, graphs.g4):
        root, model = build()
        graph = graph_for_view(root, params=model)
        memory = graph["memory"]
        assert memory["held_nbytes"] == held_by_torch(root) > 0
        assert sum(memory["held_by_node"].values()) == memory["held_nbytes"]
        # Every saved tensor names its storage, and equal storages are one block: the same index.
        named = {
            item["storage"]
            for node in graph["nodes"]
            for saved in node["saved_tensors"].values()
            for item in saved.get("items", [saved])
            if item.get("kind") == "tensor"
        }
        assert named == set(range(len(named)))


def test_nothing_is_held_once_backward_frees_the_graph():
    model = nn.Linear(4, 4)
    loss = torch.tanh(model(torch.randn(3, 4))).sum()
    assert graph_for_view(loss)["memory"]["held_nbytes"] > 0
    loss.backward()
    assert graph_for_view(loss)["memory"] == {"held_nbytes": 0, "held_by_node": {}}
