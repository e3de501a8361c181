import json
import pathlib
import weakref

import graphs
import jsonschema
import pytest
import torch
import torchinspect
from hypothesis import given, settings
from hypothesis import strategies as st
from torchinspect.graph import snapshot as autograd
from torchinspect.graph.nodes import forward_op_name
from torchinspect.graph.safety import release_held_graphs

SCHEMA_DIR = pathlib.Path(torchinspect.__file__).parent / "schema"
VALIDATOR = jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / "graph-1.json").read_text()))


def validated(graph: dict) -> dict:
    """The graph as JSON data, after checking it against the schema."""
    data = json.loads(json.dumps(graph, allow_nan=False))
    VALIDATOR.validate(data)
    return data


def reference_walk(*roots: torch.Tensor) -> tuple[set, int]:
    """torch as the oracle: every node reachable through next_functions, and the edge count."""
    stack = [root.grad_fn for root in roots if root.grad_fn is not None]
    seen = set(stack)
    edges = 0
    while stack:
        for source, _ in stack.pop().next_functions:
            if source is None:
                continue
            edges += 1
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return seen, edges


def by_id(graph: dict) -> dict[str, dict]:
    return {node["id"]: node for node in graph["nodes"]}


def lesson():
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return x, 0.5 * torch.dot(x, torch.matmul(A, x))


def test_the_lesson_graph_names_x_and_reads_forward_from_x_to_y():
    x, y = lesson()
    graph = validated(torchinspect.autograd_graph(y, params={"x": x}))
    nodes = by_id(graph)
    assert graph["schema"] == "torchinspect.graph/1"
    assert graph["roots"] == ["t0"]
    assert [(n["kind"], n["op"], n["forward_op"], n["name"]) for n in graph["nodes"]] == [
        ("tensor", None, None, None),
        ("op", "MulBackward0", "mul", None),
        ("op", "DotBackward0", "dot", None),
        ("leaf", "AccumulateGrad", None, "x"),
        ("op", "MvBackward0", "mv", None),
    ]
    edges = {(e["source"], e["target"], e["input"], e["output_nr"]) for e in graph["edges"]}
    assert edges == {
        ("n0", "t0", 0, 0), ("n1", "n0", 0, 0), ("n2", "n1", 0, 0), ("n3", "n1", 1, 0),
        ("n2", "n3", 1, 0),
    }
    assert nodes["n2"]["tensor"] == {
        "shape": [20], "dtype": "float32", "device": "cpu", "nbytes": 80,
        "requires_grad": True, "is_parameter": False, "grad": None,
    }
    assert nodes["t0"]["tensor"]["shape"] == [] and nodes["t0"]["tensor"]["requires_grad"]
    assert graph["held"] is False


def test_saved_tensors_carry_metadata_and_link_to_the_leaf_they_are():
    x, y = lesson()
    nodes = by_id(validated(torchinspect.autograd_graph(y, params={"x": x})))
    mv = nodes["n3"]["saved_tensors"]
    assert mv["self"] == {
        "kind": "tensor", "shape": [20, 20], "dtype": "float32", "nbytes": 1600,
        "is_view": False, "node": None,
    }
    assert mv["vec"] == {"kind": "none"}  # mv saves the vector only when A needs a grad
    assert nodes["n1"]["saved_tensors"]["self"]["node"] == "n2"
    assert nodes["n0"]["saved_tensors"]["self"] == {"kind": "none"}


def test_saved_tensors_read_as_freed_after_backward_frees_the_graph():
    x, y = lesson()
    y.backward()
    nodes = by_id(validated(torchinspect.autograd_graph(y)))
    assert nodes["n1"]["saved_tensors"] == {"self": {"kind": "freed"}, "tensor": {"kind": "freed"}}
    assert nodes["n0"]["saved_tensors"]["other"] == {"kind": "freed"}


def test_saved_values_are_plain_and_long_lists_are_cut():
    x = torch.randn(20, requires_grad=True)
    piece = torch.split(x, [1] * 20)[0]
    values = by_id(validated(torchinspect.autograd_graph(piece)))["n0"]["saved_values"]
    assert values["dim"] == 0
    assert values["self_sym_sizes"] == [20]
    assert values["split_sizes"] == {"items": [1] * 16, "length": 20}


def test_non_finite_saved_values_travel_as_text():
    x = torch.randn(3, requires_grad=True)
    clamped = torch.clamp(x, min=-float("inf"), max=2.0)
    gelu = torch.nn.functional.gelu(x, approximate="tanh")
    values = by_id(validated(torchinspect.autograd_graph(clamped, gelu)))
    assert values["n0"]["saved_values"] == {"max": 2.0, "min": "-inf"}
    assert values["n1"]["saved_values"] == {"approximate": "tanh"}


def test_negative_saved_dims_read_as_torch_means_them():
    # torch's getters hand a saved int64 out as unsigned: dim=-1 reads 2**64 - 1.
    x = torch.randn(3, 4, requires_grad=True)
    assert torch._safe_softmax(x, -1).grad_fn._saved_dim == 2**64 - 1
    roots = torch._safe_softmax(x, -1), x.sum(-1), x.select(-1, -2), x[..., -3:]
    nodes = by_id(validated(torchinspect.autograd_graph(*roots)))
    assert nodes["n0"]["op"] == "SafeSoftmaxBackward0"
    assert nodes["n0"]["saved_values"] == {"dim": -1}
    assert nodes["n1"]["saved_values"] == {"dim": [-1], "keepdim": False, "self_sym_sizes": [3, 4]}
    assert nodes["n2"]["saved_values"] == {"dim": -1, "index": -2, "self_sym_sizes": [3, 4]}
    assert nodes["n3"]["saved_values"]["start"] == -3


def test_integers_beyond_a_doubles_precision_travel_as_their_digits():
    x = torch.randn(3, 4, requires_grad=True)
    to_the_end = x[1:]  # slice's end is INT64_MAX: as a double it would read 9223372036854775808
    values = by_id(validated(torchinspect.autograd_graph(to_the_end)))["n0"]["saved_values"]
    assert values["end"] == str(2**63 - 1)
    assert values["start"] == 1
    node = x.sum().grad_fn
    node.metadata["big"] = [2**53, 2**53 - 1, -(2**53), 2**64 - 1]
    metadata = by_id(validated(torchinspect.autograd_graph(node)))["n0"]["metadata"]
    # A user's own integers mean what they say: only torch's int64 getters are read as signed.
    assert metadata["big"] == [str(2**53), 2**53 - 1, str(-(2**53)), str(2**64 - 1)]


def test_saved_tensors_packed_by_hooks_are_described_without_unpacking():
    x = torch.randn(3, requires_grad=True)
    unpacked = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: ("packed", t), lambda p: unpacked.append(p) or p[1]):
        y = torch.tanh(x)
    nodes = by_id(validated(torchinspect.autograd_graph(y)))
    assert nodes["n0"]["saved_tensors"]["result"] == {"kind": "hooked", "packed": "tuple"}
    assert unpacked == []


def test_custom_function_nodes_show_what_they_saved():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 2 * a * grad

    x = torch.randn(3, requires_grad=True)
    node = by_id(validated(torchinspect.autograd_graph(Square.apply(x), params={"x": x})))["n0"]
    assert (node["op"], node["forward_op"]) == ("SquareBackward", "square")
    assert node["saved_tensors"]["tensors"]["length"] == 1
    assert node["saved_tensors"]["tensors"]["items"][0]["node"] == "n1"


@pytest.mark.parametrize(
    ("op", "forward"),
    [
        ("MulBackward0", "mul"), ("MmBackward0", "mm"), ("AddmmBackward0", "addmm"),
        ("NativeLayerNormBackward0", "native_layer_norm"), ("NllLossBackward0", "nll_loss"),
        ("MaxPool2DWithIndicesBackward0", "max_pool2d_with_indices"), ("TBackward0", "t"),
        ("MeanBackward1", "mean"), ("FftR2CBackward0", "fft_r2c"), ("CopySlices", "copy_slices"),
        ("MyFnBackward", "my_fn"), ("AccumulateGrad", None),
    ],
)
def test_forward_op_names_read_like_torch_functions(op, forward):
    assert forward_op_name(op) == forward


def test_nodes_shared_between_roots_appear_once():
    x = torch.randn(4, requires_grad=True)
    shared = torch.sin(x)
    first, second = shared * 2, shared.sum()
    graph = validated(torchinspect.autograd_graph(first, second, first.grad_fn, params={"x": x}))
    nodes, edges = reference_walk(first, second)
    assert len(graph["nodes"]) == 2 + len(nodes)
    assert [n["op"] for n in graph["nodes"]].count("SinBackward0") == 1
    assert graph["roots"] == ["t0", "t1", "n0"]
    assert len(graph["edges"]) == 2 + edges


def test_leaves_and_retained_roots_show_their_grad_by_shape_after_backward():
    x, y = lesson()
    y.retain_grad()
    y.backward()
    nodes = by_id(validated(torchinspect.autograd_graph(y, params={"x": x})))
    assert nodes["n2"]["tensor"]["grad"] == {"shape": [20], "dtype": "float32"}
    assert nodes["t0"]["tensor"]["grad"] == {"shape": [], "dtype": "float32"}


def test_graph_tensors_are_described_without_reading_values():
    weight = torch.nn.Parameter(torch.empty(3, 4, device="meta"))
    graph = validated(torchinspect.autograd_graph((weight * 2).sum(), params={"w": weight}))
    leaf = next(node for node in graph["nodes"] if node["kind"] == "leaf")
    assert leaf["name"] == "w"
    assert leaf["tensor"] | {"grad": None} == {
        "shape": [3, 4], "dtype": "float32", "device": "meta", "nbytes": 48,
        "requires_grad": True, "is_parameter": True, "grad": None,
    }


def test_a_tensor_without_grad_fn_is_a_graph_of_one_node():
    graph = validated(torchinspect.autograd_graph(torch.zeros(2, 3, dtype=torch.int64)))
    assert [(n["id"], n["kind"]) for n in graph["nodes"]] == [("t0", "tensor")]
    assert graph["edges"] == []
    assert graph["nodes"][0]["tensor"]["shape"] == [2, 3]


def test_a_leaf_root_is_one_tensor_node():
    x = torch.randn(3, requires_grad=True)
    graph = validated(torchinspect.autograd_graph(x, params={"x": x}))
    assert [(n["kind"], n["name"]) for n in graph["nodes"]] == [("tensor", "x")]


def test_a_grad_fn_root_is_the_node_itself():
    x, y = lesson()
    graph = validated(torchinspect.autograd_graph(y.grad_fn))
    assert graph["roots"] == ["n0"]
    assert graph["nodes"][0]["op"] == "MulBackward0"


def test_a_view_root_points_to_its_base_leaf():
    x = torch.randn(4, requires_grad=True)
    view = x[1:]
    nodes = by_id(validated(torchinspect.autograd_graph(view, params={"x": x})))
    assert nodes["t0"]["base"] == "n1"
    assert nodes["n1"]["name"] == "x"


def test_json_able_node_metadata_is_carried_bounded():
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    y.grad_fn.metadata.update(
        {"module": "encoder.layers.0", "object": object(), 3: "int key", "long": list(range(40))}
    )
    y.grad_fn.metadata.update({f"key{i}": i for i in range(30)})
    metadata = by_id(validated(torchinspect.autograd_graph(y)))["n0"]["metadata"]
    assert metadata["module"] == "encoder.layers.0"
    assert metadata["long"] == {"items": list(range(16)), "length": 40}
    assert "object" not in metadata
    assert len(metadata) == autograd.MAX_METADATA_ENTRIES


# G5 at its smaller size (6,003 nodes): the schema check of 30,003 takes 15 s.
BENCHMARK_GRAPHS = {**graphs.GRAPHS, "G5": lambda: graphs.g5(2_000)}


@pytest.mark.parametrize("name", sorted(BENCHMARK_GRAPHS))
def test_every_benchmark_graph_snapshots_within_the_schema(name):
    root, params = BENCHMARK_GRAPHS[name]()
    graph = validated(torchinspect.autograd_graph(root, params=params))
    nodes, edges = reference_walk(root)
    assert len(graph["nodes"]) == 1 + len(nodes)
    assert len(graph["edges"]) == 1 + edges
    leaves = [node for node in graph["nodes"] if node["kind"] == "leaf"]
    assert leaves and all(node["name"] is not None for node in leaves)
    release_held_graphs()


def test_module_parameters_name_the_leaves():
    root, model = graphs.g2()
    names = {n["name"] for n in torchinspect.autograd_graph(root, params=model)["nodes"] if n["kind"] == "leaf"}
    assert names == {f"{layer}.{kind}" for layer in (0, 2, 4) for kind in ("weight", "bias")}


def test_notebook_variables_name_leaves_and_roots(monkeypatch):
    IPython = pytest.importorskip("IPython")
    x, y = lesson()

    class Shell:
        user_ns = {"x": x, "loss": y, "_hidden": x}

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    graph = torchinspect.autograd_graph(y)
    assert [n["name"] for n in graph["nodes"] if n["name"]] == ["loss", "x"]


def test_params_win_over_notebook_variables(monkeypatch):
    IPython = pytest.importorskip("IPython")
    x, y = lesson()

    class Shell:
        user_ns = {"x": x}

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    graph = torchinspect.autograd_graph(y, params={"input": x})
    assert [n["name"] for n in graph["nodes"] if n["kind"] == "leaf"] == ["input"]


def test_no_roots_is_refused_with_what_to_pass():
    with pytest.raises(TypeError) as error:
        torchinspect.autograd_graph()
    assert str(error.value) == (
        "torchinspect.autograd_graph() needs at least one root: pass a tensor, such as "
        "autograd_graph(loss), or a grad_fn node, such as autograd_graph(loss.grad_fn)."
    )


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (3.0, "torchinspect.autograd_graph() takes tensors or autograd nodes (a tensor's grad_fn, "
              "such as loss.grad_fn) as roots, got builtins.float."),
        ([torch.ones(1)], "torchinspect.autograd_graph() takes tensors or autograd nodes (a tensor's "
                          "grad_fn, such as loss.grad_fn) as roots, got builtins.list. To pass several "
                          "roots, unpack them: autograd_graph(*tensors)."),
    ],
)
def test_a_root_that_is_not_a_tensor_or_node_is_refused(root, message):
    with pytest.raises(TypeError) as error:
        torchinspect.autograd_graph(root)
    assert str(error.value) == message


def test_params_of_the_wrong_type_are_refused_with_what_to_pass():
    with pytest.raises(TypeError) as error:
        torchinspect.autograd_graph(torch.ones(1), params=[torch.ones(1)])
    assert str(error.value) == (
        "torchinspect.autograd_graph() takes params as a mapping of names to tensors, such as "
        "{'x': x} or dict(model.named_parameters()), or as an nn.Module; got builtins.list."
    )


def test_no_reference_to_tensors_or_nodes_is_kept():
    x, y = lesson()
    torchinspect.autograd_graph(y, y.grad_fn, params={"x": x})
    alive = [weakref.ref(x), weakref.ref(y)]
    del x, y
    assert [ref() for ref in alive] == [None, None]


def test_hooks_grads_and_the_graph_are_left_as_they_were():
    x, y = lesson()
    calls = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append("node"))
    x.register_hook(lambda grad: calls.append("tensor"))
    x.register_post_accumulate_grad_hook(lambda tensor: calls.append("accumulated"))
    x.grad = torch.ones(20)
    grad, version, grad_fn = x.grad, x._version, y.grad_fn
    torchinspect.autograd_graph(y, params={"x": x})
    assert (x.grad is grad, x._version, y.grad_fn is grad_fn, x.requires_grad) == (True, version, True, True)
    assert torch.is_grad_enabled()
    y.backward()
    assert calls == ["node", "tensor", "accumulated"]


def _build(plan: list[tuple[int, int, int]]) -> list[torch.Tensor]:
    """Tensors made by a plan of (op, first input, second input) over two leaves."""
    tensors = [torch.randn(3, requires_grad=True), torch.randn(3, requires_grad=True)]
    ops = [torch.add, torch.mul, lambda a, b: torch.tanh(a), lambda a, b: torch.cat([a, b])[:3]]
    for op, first, second in plan:
        tensors.append(ops[op](tensors[first % len(tensors)], tensors[second % len(tensors)]))
    return tensors


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=25),
       st.integers(1, 3))
def test_random_graphs_match_torch_s_own_walk(plan, root_count):
    tensors = _build(plan)
    roots = tensors[-root_count:]
    graph = validated(torchinspect.autograd_graph(*roots))
    nodes, edges = reference_walk(*roots)
    distinct_roots = len({id(root) for root in roots})
    with_grad_fn = len({id(root) for root in roots if root.grad_fn is not None})
    assert len(graph["nodes"]) == distinct_roots + len(nodes)
    assert len(graph["edges"]) == with_grad_fn + edges
    ids = [node["id"] for node in graph["nodes"]]
    assert len(set(ids)) == len(ids)
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])
