import torch

import torchinspect
from test_module_recording import walk


def _op_records(root: torch.Tensor) -> dict[str, dict]:
    return {node["id"]: node for node in torchinspect.autograd_graph(root)["nodes"] if node["kind"] == "op"}


def test_a_saved_list_of_tensors_is_described_item_by_item_and_freed_by_backward():
    x = torch.randn(5, 4, requires_grad=True)
    rows, cols = torch.tensor([0, 2, 2]), torch.tensor([1, 3, 0])
    root = x[rows, cols].sum()

    index = next(node for node in _op_records(root).values() if node["op"] == "IndexBackward0")
    indices = index["saved_tensors"]["indices"]
    assert (indices["kind"], indices["length"]) == ("tensors", len(root.grad_fn.next_functions[0][0]._saved_indices))
    assert [(item["shape"], item["dtype"], item["nbytes"]) for item in indices["items"]] == [
        (list(t.shape), "int64", t.nbytes) for t in (rows, cols)
    ]
    assert index["saved_values"] == {"self_sym_sizes": [5, 4]}

    root.backward()
    index = next(node for node in _op_records(root).values() if node["op"] == "IndexBackward0")
    assert index["saved_tensors"] == {"indices": {"kind": "freed"}}


def test_nodes_of_one_class_each_read_their_own_saved_data():
    # One written function per node class serves every node of it: nothing of one node stays for the next.
    a = torch.randn(2, 3, requires_grad=True)
    b = torch.randn(4, 5, 6, requires_grad=True)
    root = a.view(6).sum() + b.view(120).sum() + b.reshape(20, 6).view(120).sum()

    views = [node for node in _op_records(root).values() if node["op"] == "ViewBackward0"]
    torch_views = [node for node in walk(root) if type(node).__name__ == "ViewBackward0"]
    assert len(views) == len(torch_views) == 4  # reshape of a contiguous tensor is a view too
    assert sorted((node["sequence_nr"], node["saved_values"]["self_sym_sizes"]) for node in views) == sorted(
        (node._sequence_nr(), list(node._saved_self_sym_sizes)) for node in torch_views
    )


def test_a_custom_function_s_saved_tensors_read_freed_after_backward():
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = torch.randn(3, requires_grad=True)
    root = Cube.apply(x).sum()
    cube = next(node for node in _op_records(root).values() if node["op"] == "CubeBackward")
    assert cube["saved_tensors"]["tensors"]["items"][0]["shape"] == [3]

    root.backward()
    cube = next(node for node in _op_records(root).values() if node["op"] == "CubeBackward")
    assert cube["saved_tensors"] == {"tensors": {"kind": "freed"}}
