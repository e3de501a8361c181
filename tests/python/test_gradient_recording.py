import gc
import json
import math
import pathlib
import threading
import weakref

import jsonschema
import pytest
import torch
import torchinspect
from gradient_cases import lesson_after_backward
from torch import nn
from torchinspect import live
from torchinspect.graph.walk import grad_fns, walk
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "gradients-1.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "gradients.json"


def validated(report: dict) -> dict:
    data = json.loads(json.dumps(report, allow_nan=False))
    VALIDATOR.validate(data)
    return data


def recorded(root: torch.Tensor, run, params=None) -> dict:
    """Arm the graph behind root, run the backward, return the report as JSON data."""
    recorder = GradientRecorder(root)
    run()
    graph = torchinspect.autograd_graph(root, params=params)
    return validated(gradient_report(*recorder.take_record(), graph))


def lesson():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    Ax = A @ x
    dot = torch.dot(x, Ax)
    return x, A, Ax, dot, 0.5 * dot


def node_ids(root: torch.Tensor) -> dict:
    """torch's nodes of the graph by the ids the graph snapshot gives them."""
    nodes, _ = walk(grad_fns([root]))
    return {node: f"n{index}" for index, node in enumerate(nodes)}


def values(entry: dict) -> torch.Tensor:
    return torch.tensor(entry["values"])


def hooks_on(node) -> dict:
    """Every hook on a node (torch keeps them in one dict per node), found through a handle."""
    handle = node.register_hook(lambda grad_inputs, grad_outputs: None)
    hooks = handle.hooks_dict_ref()
    handle.remove()
    return dict(hooks)


# --- what is recorded ---------------------------------------------------------------------


def test_the_step_at_the_leaf_x_shows_half_of_A_plus_A_transposed_times_x():
    x, A, Ax, dot, y = lesson()
    expected = dict(zip(["Ax", "dot"], torch.autograd.grad(y, [Ax, dot], retain_graph=True)))
    report = recorded(y, y.backward, params={"x": x})
    nodes = report["nodes"]
    torch.testing.assert_close(values(nodes["n2"]["arriving"][0]), 0.5 * (A + A.T) @ x.detach())
    torch.testing.assert_close(values(nodes["n2"]["arriving"][0]), x.grad)
    assert nodes["n0"]["arriving"][0]["values"] == [1.0]  # what y.backward() starts with
    torch.testing.assert_close(values(nodes["n1"]["arriving"][0]).reshape(()), expected["dot"])
    torch.testing.assert_close(values(nodes["n3"]["arriving"][0]), expected["Ax"])
    # Each edge carries what its target sent back: the two paths to x, before they are summed.
    torch.testing.assert_close(values(nodes["n1"]["leaving"][0]) + values(nodes["n3"]["leaving"][1]), x.grad)
    assert nodes["n3"]["leaving"][0] is None  # A needs no grad: no edge, nothing measured
    assert report["parameters"] == [{"node": "n2", "name": "x", "norm": pytest.approx(float(x.grad.norm()))}]
    assert report["flags"] == [] and report["passes"] == 1 and report["complete"] is True


def test_an_mlp_records_what_autograd_grad_computes_at_every_layer():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 3))
    inputs, targets = torch.randn(16, 30), torch.randint(0, 3, (16,))
    hidden1 = model[0](inputs)
    hidden2 = model[2](model[1](hidden1))
    logits = model[4](model[3](hidden2))
    loss = nn.functional.cross_entropy(logits, targets)
    params = list(model.parameters())
    oracle = torch.autograd.grad(loss, [hidden1, hidden2, logits, *params], retain_graph=True)
    ids = node_ids(loss)
    report = recorded(loss, loss.backward, params=model)
    for tensor, expected in zip([hidden1, hidden2, logits], oracle):
        entry = report["nodes"][ids[tensor.grad_fn]]["arriving"][0]
        assert entry["shape"] == list(expected.shape)
        assert entry["norm"] == pytest.approx(float(expected.norm()), rel=1e-5)
        assert entry["min"] == pytest.approx(float(expected.min()))
        assert entry["max"] == pytest.approx(float(expected.max()))
        assert entry["rms"] == pytest.approx(float(expected.square().mean().sqrt()), rel=1e-5)
    by_name = {parameter["name"]: parameter["norm"] for parameter in report["parameters"]}
    for (name, _), expected in zip(model.named_parameters(), oracle[3:]):
        assert by_name[name] == pytest.approx(float(expected.norm()), rel=1e-5)
    norms = [parameter["norm"] for parameter in report["parameters"]]
    assert norms == sorted(norms, reverse=True) and len(norms) == 6


def test_order_is_the_order_autograd_ran_the_nodes():
    *_, y = lesson()
    ran = []
    ids = node_ids(y)
    handles = [
        node.register_hook(lambda gi, go, node_id=node_id: ran.append(node_id)) for node, node_id in ids.items()
    ]
    report = recorded(y, y.backward)
    assert report["order"] == ran == ["n0", "n1", "n3", "n2"]
    assert [report["nodes"][node_id]["step"] for node_id in ran] == [0, 1, 2, 3]
    for handle in handles:
        handle.remove()


def test_views_of_one_gradient_keep_their_own_shapes_and_values():
    x = torch.randn(6, 20, requires_grad=True)
    w = torch.randn(120)
    transposed = x.t()
    flat = transposed.reshape(120)
    y = (flat * w).sum()
    ids = node_ids(y)
    report = recorded(y, y.backward)
    nodes = report["nodes"]
    reshape_in = nodes[ids[flat.grad_fn]]["leaving"][0]
    transpose_in = nodes[ids[transposed.grad_fn]]["leaving"][0]
    assert (reshape_in["shape"], transpose_in["shape"]) == ([20, 6], [6, 20])
    assert reshape_in["norm"] == transpose_in["norm"] == pytest.approx(float(w.norm()))
    leaf = nodes[ids[transposed.grad_fn.next_functions[0][0]]]["arriving"][0]
    assert leaf["shape"] == [6, 20] and leaf["max"] == pytest.approx(float(x.grad.max()))


def test_a_node_with_several_outputs_gets_one_arriving_gradient_per_output():
    x = torch.arange(6.0, requires_grad=True)
    first, _, third = x.split(2)
    y = (first * 2).sum() + third.sum()
    split_id = node_ids(y)[first.grad_fn]
    report = recorded(y, y.backward)
    arriving = report["nodes"][split_id]["arriving"]
    assert [entry and entry["values"] for entry in arriving] == [[2.0, 2.0], None, [1.0, 1.0]]


# --- never harming the user's program -------------------------------------------------------


def test_recording_never_changes_a_gradient():
    def grads(inspected: bool) -> list[torch.Tensor]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
        loss = model(torch.randn(5, 8)).pow(2).mean()
        recorder = GradientRecorder(loss) if inspected else None
        loss.backward()
        assert recorder is None or recorder.take_record() is not None
        return [parameter.grad for parameter in model.parameters()]

    for plain, with_recording in zip(grads(False), grads(True)):
        assert torch.equal(plain, with_recording)


def test_hooks_are_removed_when_backward_ends_and_user_hooks_stay_and_run():
    _, _, Ax, _, y = lesson()
    mv = Ax.grad_fn
    user_calls = []
    user_handle = mv.register_hook(lambda gi, go: user_calls.append(go[0].clone()))
    tensor_hook_calls = []
    Ax.register_hook(lambda grad: tensor_hook_calls.append(grad.clone()))
    recorder = GradientRecorder(y)
    assert len(hooks_on(mv)) == 2 and recorder.armed
    y.backward()
    assert not recorder.armed
    assert list(hooks_on(mv).values()) == [user_handle.hooks_dict_ref()[user_handle.id]]
    assert len(user_calls) == len(tensor_hook_calls) == 1
    torch.testing.assert_close(user_calls[0], tensor_hook_calls[0])
    assert all(len(hooks_on(node)) == 0 for node in node_ids(y) if node is not mv)


def test_graphs_nobody_inspects_carry_no_hook():
    x, *_, y = lesson()
    other = (x * 3).sum()
    recorder = GradientRecorder(y)
    ops_of_other = [node for node in node_ids(other) if type(node).__name__ != "AccumulateGrad"]
    assert all(len(hooks_on(node)) == 0 for node in ops_of_other)
    recorder.close()
    assert all(len(hooks_on(node)) == 0 for node in node_ids(y))


def test_a_collected_recorder_leaves_no_hook_behind():
    _, _, _, _, y = lesson()
    recorder = GradientRecorder(y)
    del recorder
    gc.collect()
    assert all(len(hooks_on(node)) == 0 for node in node_ids(y))
    y.backward()  # nothing of ours runs


def test_recording_keeps_no_gradient_alive():
    _, _, Ax, _, y = lesson()
    seen = []
    Ax.grad_fn.register_hook(lambda gi, go: seen.append(weakref.ref(gi[1])))
    recorder = GradientRecorder(y)
    y.backward()
    gc.collect()
    assert recorder.take_record() is not None
    assert seen[0]() is None


# --- passes: retain_graph, double backward, errors, freed graphs -----------------------------


def test_a_retained_graph_records_its_second_backward_and_grads_accumulate():
    x, A, _, _, y = lesson()
    recorder = GradientRecorder(y)
    y.backward(retain_graph=True)
    assert recorder.armed  # the graph can run again: the next pass is recorded too
    first, passes = recorder.take_record()
    assert passes == 1 and first.complete
    y.backward()
    second, passes = recorder.take_record()
    assert passes == 2 and not recorder.armed
    report = validated(gradient_report(second, passes, torchinspect.autograd_graph(y)))
    one_pass = 0.5 * (A + A.T) @ x.detach()
    torch.testing.assert_close(values(report["nodes"]["n2"]["arriving"][0]), one_pass)  # this pass
    torch.testing.assert_close(x.grad, 2 * one_pass)  # .grad sums both


def test_double_backward_records_the_first_pass_and_gives_the_same_second_derivative():
    def second_derivative(inspected: bool):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x**3).sum()
        recorder = GradientRecorder(y) if inspected else None
        (grad,) = torch.autograd.grad(y, x, create_graph=True)
        grad.sum().backward()  # a pass through a new graph and x's leaf, not through y
        return x.grad, grad, recorder

    plain, _, _ = second_derivative(False)
    hessian_diagonal, grad, recorder = second_derivative(True)
    assert torch.equal(plain, hessian_diagonal)
    recorded_pass, passes = recorder.take_record()
    assert passes == 1
    steps = {f"n{position}": arriving for position, arriving, _ in recorded_pass.steps}
    assert steps["n0"][0]["values"] == [1.0]
    assert grad.grad_fn is not None  # create_graph kept its graph; recording added none to it


def test_a_backward_that_raises_keeps_what_ran_before_the_error():
    class Explodes(torch.autograd.Function):
        @staticmethod
        def forward(ctx, tensor):
            return tensor * 1

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("the user's backward failed")

    x = torch.ones(3, requires_grad=True)
    y = (Explodes.apply(x * 2) * 3).sum()
    recorder = GradientRecorder(y)
    with pytest.raises(ValueError, match="the user's backward failed"):
        y.backward()
    report = validated(gradient_report(*recorder.take_record(), torchinspect.autograd_graph(y)))
    assert report["complete"] is False and report["passes"] == 1
    assert report["order"] == ["n0", "n1"]  # sum, mul: the custom Function raised before its hook
    assert not recorder.armed  # the nodes that ran freed their saved tensors


def test_a_failed_backward_followed_by_a_good_one_records_both():
    x = torch.ones(3, requires_grad=True)
    y = (x * 2).sum()
    recorder = GradientRecorder(y)
    with pytest.raises(RuntimeError):
        y.backward(torch.ones(5))  # wrong shape: raises before any node runs
    y.backward()
    recorded_pass, passes = recorder.take_record()
    assert (passes, recorded_pass.complete) == (1, True)


@pytest.mark.filterwarnings("ignore:Anomaly Detection", "ignore:Error detected in SqrtBackward0")
def test_nan_anomaly_mode_stops_backward_and_the_record_shows_where_nan_began():
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    y = (torch.sqrt(x) * torch.tensor([0.0, 1.0])).sum()
    sqrt_id = node_ids(y)[y.grad_fn.next_functions[0][0].next_functions[0][0]]
    recorder = GradientRecorder(y)
    with pytest.raises(RuntimeError, match="nan"), torch.autograd.detect_anomaly(check_nan=True):
        y.backward()
    report = validated(gradient_report(*recorder.take_record(), torchinspect.autograd_graph(y)))
    assert report["complete"] is False
    flag = report["flags"][0]
    assert (flag["kind"], flag["node"]) == ("nonfinite_origin", sqrt_id)
    assert flag["message"].startswith("sqrt (SqrtBackward0) is where the gradient first went bad")


def test_a_graph_freed_before_backward_just_goes():
    _, _, Ax, dot, y = lesson()
    saved = weakref.ref(Ax)
    recorder = GradientRecorder(y)
    del Ax, dot, y
    gc.collect()
    assert saved() is None
    assert recorder.take_record() is None
    recorder.close()


def test_a_leaf_has_no_graph_to_record_and_the_error_says_what_to_pass():
    with pytest.raises(ValueError, match="pass such a tensor, such as a loss"):
        GradientRecorder(torch.ones(3, requires_grad=True))


def test_a_graph_that_backward_already_freed_is_not_armed():
    _, _, _, _, y = lesson()
    y.backward()
    recorder = GradientRecorder(y)
    assert not recorder.armed and recorder.take_record() is None


def test_autograd_grad_is_recorded_and_its_leaves_show_on_the_edges_into_them():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    recorder = GradientRecorder(y)
    (grad,) = torch.autograd.grad(y, x)
    graph = torchinspect.autograd_graph(y, params={"x": x})
    report = validated(gradient_report(*recorder.take_record(), graph))
    assert report["order"] == ["n0", "n1"]  # autograd.grad hands x's gradient back: its leaf never runs
    leaving = report["nodes"]["n1"]["leaving"]
    torch.testing.assert_close(values(leaving[0]) + values(leaving[1]), grad)
    assert report["parameters"] == [] and x.grad is None


def test_inspecting_an_intermediate_records_a_backward_from_the_loss():
    _, _, Ax, _, y = lesson()
    recorder = GradientRecorder(Ax)
    y.backward()
    recorded_pass, _ = recorder.take_record()
    assert [position for position, _, _ in recorded_pass.steps] == [0, 1]  # mv, then x's leaf


def test_a_pass_that_misses_the_inspected_node_is_not_recorded():
    _, _, Ax, _, y = lesson()
    recorder = GradientRecorder(y)
    Ax.sum().backward(retain_graph=True)  # runs mv and x's leaf, both armed, not y's node
    assert recorder.take_record() is None


# --- flags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "kind", "words"), [(1e-8, "vanishing", "vanished"), (1e8, "exploding", "exploded")]
)
def test_vanishing_and_exploding_gradients_are_flagged_at_the_first_node_in_words(scale, kind, words):
    w = torch.ones(4, requires_grad=True)
    y = (w * scale).sum()
    report = recorded(y, y.backward, params={"w": w})
    assert len(report["flags"]) == 1
    flag = report["flags"][0]
    assert (flag["kind"], flag["node"]) == (kind, "n2")
    assert f"The gradient has {words} at the leaf w" in flag["message"]
    assert "1 of the 3 nodes backward ran" in flag["message"]
    assert "times the gradient sum (SumBackward0) sent back, where backward began" in flag["message"]


def test_nan_in_the_gradient_given_to_backward_is_flagged_at_the_root():
    x = torch.ones(2, requires_grad=True)
    y = x * 3
    report = recorded(y, lambda: y.backward(torch.tensor([1.0, math.nan])))
    flag = report["flags"][0]
    assert (flag["kind"], flag["node"]) == ("nonfinite_origin", "n0")
    assert flag["message"].startswith("The gradient that started backward already holds 1 NaN")


def test_a_zero_gradient_is_called_exactly_zero():
    w = torch.ones(4, requires_grad=True)
    y = (w * 0).sum()
    flag = recorded(y, y.backward, params={"w": w})["flags"][0]
    assert flag["kind"] == "vanishing" and "exactly zero" in flag["message"]


def test_a_mean_over_millions_of_elements_is_not_called_vanishing():
    w = torch.randn(2_000_000, requires_grad=True)
    y = (w * 2).mean()  # every element's gradient is 2 / 2,000,000, healthy for a mean
    assert recorded(y, y.backward, params={"w": w})["flags"] == []


def test_a_chain_of_sigmoids_is_flagged_where_its_gradient_vanished():
    # Exercise 1.6-3(b): ten sigmoids, each σ' ≤ ¼; start.grad is about 3.5e-7.
    start = torch.tensor(0.5, requires_grad=True)
    h = start
    for _ in range(10):
        h = torch.sigmoid(h)
    report = recorded(h, h.backward, params={"start": start})
    flag = report["flags"][0]
    assert flag["kind"] == "vanishing"
    assert flag["message"].startswith("The gradient has vanished at the leaf start: what arrives there is 3.5e-07 times")
    assert "times the gradient sigmoid (SigmoidBackward0) got, where backward began" in flag["message"]
    torch.testing.assert_close(start.grad, torch.tensor(3.5e-7), rtol=0.05, atol=0)


def test_healthy_graphs_raise_no_flag():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 3))
    loss = nn.functional.cross_entropy(model(torch.randn(16, 30)), torch.randint(0, 3, (16,)))
    assert recorded(loss, loss.backward, params=model)["flags"] == []


@pytest.mark.parametrize("depth", [3, 8])
def test_healthy_deep_and_elementwise_rooted_graphs_raise_no_flag(depth):
    torch.manual_seed(0)
    model = nn.Sequential(*[layer for _ in range(depth) for layer in (nn.Linear(64, 64), nn.Tanh())], nn.Linear(64, 1))
    out = torch.sigmoid(model(torch.randn(32, 64)))  # the root is elementwise: its derivative counts
    assert recorded(out, lambda: out.backward(torch.ones_like(out)), params=model)["flags"] == []
    loss = nn.functional.mse_loss(model(torch.randn(32, 64)), torch.randn(32, 1))
    assert recorded(loss, loss.backward, params=model)["flags"] == []


# --- weak references ----------------------------------------------------------------------


def test_an_inspector_keeps_no_tensor_graph_or_module_alive_before_or_after_backward():
    for run_backward in (False, True):
        model = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 1))
        hidden = model[1](model[0](torch.randn(3, 6)))
        loss = model[2](hidden).sum()
        inspector = torchinspect.inspect(loss, params=model)
        if run_backward:
            loss.backward()
            live.refresh_live_inspectors()
            assert inspector.gradients["passes"] == 1
        refs = [weakref.ref(obj) for obj in (loss, hidden, model, model[0].weight)]
        del model, hidden, loss
        gc.collect()
        assert [ref() for ref in refs] == [None] * 4
        inspector.close()


# --- the widget ---------------------------------------------------------------------------


def test_after_backward_and_a_cell_the_inspector_shows_the_recorded_gradients():
    x, A, _, _, y = lesson()
    inspector = torchinspect.inspect(y, params={"x": x})
    assert inspector.gradients == {}
    y.backward()
    live.refresh_live_inspectors()
    gradients = validated(inspector.gradients)
    assert gradients["order"] == ["n0", "n1", "n3", "n2"]
    assert gradients["parameters"][0]["name"] == "x"
    torch.testing.assert_close(values(gradients["nodes"]["n2"]["arriving"][0]), 0.5 * (A + A.T) @ x.detach())
    ids = {node["id"] for node in inspector.graph["nodes"]}
    assert set(gradients["order"]) <= ids
    inspector.close()


def test_a_backward_on_another_thread_is_published_from_the_main_thread():
    x, *_, y = lesson()
    inspector = torchinspect.inspect(y, params={"x": x})
    sent = []
    inspector.send = lambda *message: sent.append(message)  # the hooks must never send
    worker = threading.Thread(target=y.backward)
    worker.start()
    worker.join()
    assert inspector.gradients == {} and sent == []
    live.refresh_live_inspectors()
    torch.testing.assert_close(values(inspector.gradients["nodes"]["n2"]["arriving"][0]), x.grad)
    inspector.close()


class Unreadable(torch.Tensor):
    """A gradient whose values cannot be read, as some tensor subclasses are."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("tolist", "reshape", "aminmax"):
            raise RuntimeError("this gradient cannot be read")
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **(kwargs or {}))


class SendsUnreadable(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor):
        return tensor * 1

    @staticmethod
    def backward(ctx, grad):
        return (grad * 1).as_subclass(Unreadable)


def test_a_gradient_that_cannot_be_read_is_null_and_the_cell_gets_a_warning():
    x = torch.ones(3, requires_grad=True)
    y = (SendsUnreadable.apply(x * 2) * 3).sum()
    inspector = torchinspect.inspect(y)
    y.backward()
    with pytest.warns(UserWarning, match="could not be recorded: RuntimeError: this gradient cannot be read"):
        live.refresh_live_inspectors()
    gradients = validated(inspector.gradients)
    assert gradients["order"] == ["n0", "n1", "n2", "n3", "n4"]
    assert gradients["nodes"]["n2"]["leaving"] == [None]  # what the custom Function sent back
    assert gradients["nodes"]["n4"]["arriving"][0]["values"] == [6.0, 6.0, 6.0] == x.grad.tolist()
    inspector.close()


def test_a_closed_inspector_removes_its_hooks():
    _, _, _, _, y = lesson()
    inspector = torchinspect.inspect(y)
    assert any(len(hooks_on(node)) for node in node_ids(y))
    inspector.close()
    assert all(len(hooks_on(node)) == 0 for node in node_ids(y))


def without_sequence_numbers(case: dict) -> dict:
    """Sequence numbers count the ops the thread ran before: they differ from run to run."""
    nodes = [{**node, "sequence_nr": None} for node in case["graph"]["nodes"]]
    return {**case, "graph": {**case["graph"], "nodes": nodes}}


def floats_apart(value, path: str = "") -> tuple[dict, dict]:
    """The floats of a JSON value by path, and everything else by path."""
    if isinstance(value, dict):
        pairs = [floats_apart(item, f"{path}.{key}") for key, item in value.items()]
    elif isinstance(value, list):
        pairs = [floats_apart(item, f"{path}[{index}]") for index, item in enumerate(value)]
    else:
        return ({path: value}, {}) if isinstance(value, float) else ({}, {path: value})
    return {k: v for floats, _ in pairs for k, v in floats.items()}, {k: v for _, rest in pairs for k, v in rest.items()}


def test_the_fixture_for_the_typescript_tests_matches_python():
    stored_floats, stored = floats_apart(without_sequence_numbers(json.loads(FIXTURE.read_text())))
    made_floats, made = floats_apart(without_sequence_numbers(lesson_after_backward()))
    # A float32 matmul's last bits differ from one CPU to another: floats agree to float32 rounding.
    assert stored == made and stored_floats == pytest.approx(made_floats, rel=1e-5, abs=1e-5), (
        "tests/fixtures/gradients.json is stale: regenerate it with "
        "`.venv/bin/python tests/fixtures/make_snapshots.py`"
    )
    VALIDATOR.validate(json.loads(FIXTURE.read_text())["gradients"])


def test_a_graph_of_more_than_a_thousand_nodes_sends_statistics_without_values():
    out = torch.randn(4, requires_grad=True)
    for _ in range(400):  # 1,200 op nodes
        out = torch.tanh(out * 0.5 + 1)
    root = out.sum()
    report = recorded(root, root.backward)
    entries = [entry for node in report["nodes"].values() for entry in node["arriving"] + node["leaving"] if entry]
    assert len(report["order"]) > 1_000 and entries
    assert all(entry["values"] is None for entry in entries)
    assert all(entry["norm"] is not None for entry in entries)


def test_backward_passes_on_several_threads_at_once_are_each_counted_once():
    x = torch.randn(64, 64, requires_grad=True)
    y = torch.tanh(x @ x).sum()
    recorder = GradientRecorder(y)

    def backward_50_times():
        for _ in range(50):
            torch.autograd.grad(y, x, retain_graph=True)

    workers = [threading.Thread(target=backward_50_times) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latest, passes = recorder.take_record()
    assert passes == 200 and latest.complete
