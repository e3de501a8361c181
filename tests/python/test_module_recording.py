"""record_modules: each autograd node made inside a module carries the module's path."""

import collections
import json
import pathlib
import subprocess
import sys
import textwrap
import weakref

import pytest
import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

import graphs
import torchinspect
from module_cases import recorded_model_graph
from torchinspect import record_modules
from torchinspect.graph.safety import release_held_graphs


def walk(root: torch.Tensor) -> list:
    """Every autograd node behind ``root``, iteratively."""
    seen, pending = {root.grad_fn}, [root.grad_fn]
    while pending:
        for source, _ in pending.pop().next_functions:
            if source is not None and source not in seen:
                seen.add(source)
                pending.append(source)
    return list(seen)


class CallLog:
    """The oracle: each module call's span of autograd sequence numbers, from global hooks.

    A node belongs to the innermost call whose span holds its sequence number: the
    order in which torch made it, not the graph walk that record_modules does.
    """

    def __enter__(self) -> "CallLog":
        self.calls, self.open = [], []
        self.handles = [
            register_module_forward_pre_hook(lambda module, args: self.open.append((module, torch.autograd._get_sequence_nr()))),
            register_module_forward_hook(lambda module, args, out: self.calls.append((*self.open.pop(), torch.autograd._get_sequence_nr()))),
        ]  # fmt: skip
        return self

    def __exit__(self, *exc_info) -> None:
        for handle in self.handles:
            handle.remove()

    def module_of(self, node, model: nn.Module) -> str | None:
        if type(node).__name__ == "AccumulateGrad":
            owners = {id(p): name.rpartition(".")[0] for name, p in model.named_parameters()}
            return owners.get(id(node.variable))
        paths = {id(module): path for path, module in model.named_modules()}
        sequence_nr = node._sequence_nr()
        spans = [(end - start, paths[id(module)]) for module, start, end in self.calls if start <= sequence_nr < end]
        return min(spans)[1] if spans else None


@pytest.mark.parametrize("name, outside", [("G2", {"NllLossBackward0", "LogSoftmaxBackward0"}), ("G3", {"NllLossBackward0", "LogSoftmaxBackward0"}), ("G4", {"SumBackward0"})])
def test_every_node_a_module_made_carries_its_innermost_module(name: str, outside: set[str]):
    with CallLog() as log:
        root, model = graphs.GRAPHS[name](recorded=True)
    nodes = walk(root)
    classes = {path: type(module).__name__ for path, module in model.named_modules()}
    for node in nodes:
        expected = log.module_of(node, model)
        assert node.metadata.get("module") == expected, node.name()
        if expected is not None:
            assert node.metadata["module_class"] == classes[expected]
    assert {node.name() for node in nodes if "module" not in node.metadata} == outside


def test_the_transformer_is_grouped_by_layer_and_sublayer():
    root, model = graphs.g4(recorded=True)
    counts = collections.Counter(node.metadata.get("module") for node in walk(root))
    assert counts["layers.0.self_attn"] == 47  # its ops, and in_proj's weight and bias
    assert counts["layers.0.self_attn.out_proj"] == 2  # read by self_attn, never called
    assert counts["layers.3.linear1"] == counts["layers.0.linear1"] == 6
    assert {path.split(".")[1] for path in counts if path} == {"0", "1", "2", "3", "4", "5"}


def test_parameters_used_by_their_module_are_stamped_with_the_module_that_owns_them():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    with record_modules(model):
        loss = model(torch.randn(5, 3)).sum()
    graph = torchinspect.autograd_graph(loss, params=model)
    leaves = {node["name"]: node["metadata"] for node in graph["nodes"] if node["kind"] == "leaf"}
    assert leaves["1.weight"] == {"module": "1", "module_class": "Linear"}
    assert leaves["0.bias"] == {"module": "0", "module_class": "Linear"}


def test_the_snapshot_carries_the_module_of_each_op_and_none_for_the_loss():
    root, model = graphs.g2(recorded=True)
    graph = torchinspect.autograd_graph(root, params=model)
    modules = {node["op"]: node["metadata"].get("module") for node in graph["nodes"] if node["kind"] == "op"}
    assert modules["ReluBackward0"] in {"1", "3"}
    assert modules["NllLossBackward0"] is None
    assert sorted({node["metadata"].get("module") for node in graph["nodes"]} - {None}) == ["0", "1", "2", "3", "4"]


def test_the_models_own_forward_is_the_empty_path():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(3))
            self.inner = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inner(x) * self.scale

    model = Net()
    with record_modules(model):
        out = model(torch.randn(2, 3))
    mul = out.grad_fn
    assert mul.metadata == {"module": "", "module_class": "Net"}
    assert mul.next_functions[1][0].metadata == {"module": "", "module_class": "Net"}  # scale
    assert mul.next_functions[0][0].metadata["module"] == "inner"


def test_outputs_in_tuples_and_dicts_are_followed():
    class Pair(nn.Module):
        def forward(self, x: torch.Tensor) -> dict:
            return {"both": (x.sin(), [x.cos()]), "none": None}

    model = nn.Sequential()
    model.add_module("pair", Pair())
    x = torch.randn(3, requires_grad=True)
    with record_modules(model):
        out = model.pair(x)
    (sin, [cos]) = out["both"]
    assert sin.grad_fn.metadata["module"] == cos.grad_fn.metadata["module"] == "pair"


def test_a_module_called_twice_or_calling_itself_stamps_every_call():
    class Countdown(nn.Module):
        def forward(self, x: torch.Tensor, steps: int) -> torch.Tensor:
            return x if steps == 0 else torch.relu(self(x * 2, steps - 1)) + 1

    model = nn.Sequential()
    model.add_module("down", Countdown())
    x = torch.randn(4, requires_grad=True)
    with record_modules(model):
        out = model.down(model.down(x, 3), 2)
    stamped = [node.metadata.get("module") for node in walk(out) if type(node).__name__ != "AccumulateGrad"]
    assert len(stamped) == 3 * (3 + 2)  # mul, relu, add for each step
    assert set(stamped) == {"down"}


def test_nodes_made_before_the_module_was_called_are_not_stamped():
    model = nn.Sequential(nn.Linear(3, 3))
    x = torch.randn(2, 3, requires_grad=True)
    before = x.exp()  # made outside the model, an input to it
    with record_modules(model):
        out = model(before)
    walked = {node.name(): node.metadata.get("module") for node in walk(out)}
    assert walked["ExpBackward0"] is None
    assert walked["AddmmBackward0"] == "0"


def test_hooks_are_removed_on_exit_and_the_users_own_hooks_stay():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    calls = []
    model[1].register_forward_hook(lambda module, args, out: calls.append("user"))
    before = [(dict(m._forward_pre_hooks), dict(m._forward_hooks)) for m in model.modules()]
    with record_modules(model):
        assert all(len(m._forward_hooks) >= 1 for m in model.modules())
        model(torch.randn(1, 3))
    after = [(dict(m._forward_pre_hooks), dict(m._forward_hooks)) for m in model.modules()]
    assert after == before
    model(torch.randn(1, 3))
    assert calls == ["user", "user"]
    assert "module" not in model(torch.randn(1, 3)).grad_fn.metadata


def test_hooks_are_removed_when_the_block_raises():
    model = nn.Sequential(nn.Linear(3, 3))
    with pytest.raises(RuntimeError, match="mat1 and mat2"):
        with record_modules(model):
            model(torch.randn(2, 5))
    assert not model[0]._forward_hooks and not model[0]._forward_pre_hooks
    with record_modules(model):  # the same model can be recorded again
        assert model(torch.randn(2, 3)).grad_fn.metadata["module"] == "0"


def test_no_reference_to_the_model_is_kept():
    model = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    recording = record_modules(model)
    with recording:
        out = model(torch.randn(2, 3))
    alive = weakref.ref(model)
    del model, out
    assert alive() is None
    assert recording is not None


def test_a_recording_inside_a_recording_of_the_same_modules_adds_nothing():
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 3)), nn.ReLU())
    with record_modules(model):
        hooks = len(model[0][0]._forward_hooks)
        with record_modules(model[0]):
            assert len(model[0][0]._forward_hooks) == hooks
            out = model(torch.randn(2, 3))
        assert len(model[0][0]._forward_hooks) == hooks  # the inner exit left the outer's hooks
        again = model(torch.randn(2, 3))
    assert out.grad_fn.next_functions[0][0].metadata["module"] == "0.0"  # the outer's path
    assert again.grad_fn.next_functions[0][0].metadata["module"] == "0.0"
    assert not model[0][0]._forward_hooks


def test_a_recording_is_entered_once():
    model = nn.Linear(2, 2)
    recording = record_modules(model)
    with recording:
        pass
    with pytest.raises(RuntimeError, match=r"entered once: use a new record_modules\(model\)"):
        with recording:
            pass
    unused = record_modules(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="the model was freed before the `with` block began"):
        with unused:
            pass


def test_anything_but_a_module_is_refused_in_words():
    with pytest.raises(TypeError, match=r"takes the nn.Module .* got builtins.dict"):
        record_modules({"weight": torch.ones(2)})


@pytest.mark.parametrize("name", ["G2", "G3", "G4"])
def test_recording_every_module_stamps_as_a_recording_of_the_model_does(name: str):
    recording = record_modules()
    try:
        with CallLog() as log:
            root, model = graphs.GRAPHS[name]()
    finally:
        recording.remove()
    nodes = walk(root)
    for node in nodes:
        assert node.metadata.get("module") == log.module_of(node, model), node.name()
    assert any(node.metadata.get("module") for node in nodes)


def global_hooks() -> tuple[int, int]:
    from torch.nn.modules import module

    return len(module._global_forward_pre_hooks), len(module._global_forward_hooks)


def test_the_handle_removes_the_global_hooks_and_keeps_no_model_alive():
    before = global_hooks()
    recording = record_modules()
    assert global_hooks() == (before[0] + 1, before[1] + 1)
    model = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    assert model(torch.randn(2, 3)).grad_fn.metadata["module"] == "1"
    recording.remove()
    assert global_hooks() == before
    assert "module" not in model(torch.randn(2, 3)).grad_fn.metadata
    alive = weakref.ref(model)
    del model
    assert alive() is None


def test_recording_every_module_is_a_context_manager_too():
    before = global_hooks()
    with record_modules():
        out = nn.Sequential(nn.Linear(3, 3))(torch.randn(2, 3))
    assert out.grad_fn.metadata == {"module": "0", "module_class": "Linear"}
    assert global_hooks() == before


def test_a_forward_that_raises_leaves_later_paths_right():
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(4, 4))
    with record_modules():
        with pytest.raises(RuntimeError, match="mat1 and mat2"):
            model(torch.randn(2, 3))
        out = nn.Sequential(nn.Tanh())(torch.randn(2, 3, requires_grad=True))
    assert out.grad_fn.metadata["module"] == "0"


def test_a_training_loop_inside_the_block_frees_earlier_graphs_as_it_goes():
    model = nn.Sequential(nn.Linear(8, 8), nn.Tanh())
    inputs = []
    with record_modules(model):
        for _ in range(1_000):
            x = torch.randn(2, 8, requires_grad=True)
            inputs.append(weakref.ref(x))
            model(x).sum().backward()
            del x
        still_alive = sum(alive() is not None for alive in inputs)
    assert still_alive < 500
    assert all(alive() is None for alive in inputs)


DEEP_RECORDING = """
import weakref
import torch
from torch import nn
import torchinspect
from torchinspect.graph.safety import release_held_graphs

class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(16))

    def forward(self, h):
        return torch.tanh(h * self.w + 1)

cell = Cell()
leaf = torch.randn(16, requires_grad=True)
leaf_alive = weakref.ref(leaf)
h = leaf
with torchinspect.record_modules(cell):
    for _ in range(20_000):
        h = cell(h)
del leaf
print(h.grad_fn.metadata["module_class"], release_held_graphs() > 60_000)
del h
print(release_held_graphs(), leaf_alive() is None)
"""


def test_a_recorded_chain_of_60_000_nodes_is_freed_without_a_crash():
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(DEEP_RECORDING)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stderr[-2000:]}"
    assert result.stdout.split() == ["Cell", "True", "0", "True"]


def test_a_shallow_recording_is_not_held():
    root, _ = graphs.g3(recorded=True)
    assert release_held_graphs() == 0
    del root


FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "modules.json"


def without_sequence_numbers(graph: dict) -> dict:
    """Sequence numbers count the ops the thread ran before: they differ from run to run."""
    return {**graph, "nodes": [{**node, "sequence_nr": None} for node in graph["nodes"]]}


def test_the_fixture_for_the_typescript_tests_matches_python():
    stored = json.loads(FIXTURE.read_text())
    assert without_sequence_numbers(stored) == without_sequence_numbers(recorded_model_graph()), (
        "tests/fixtures/modules.json is stale: regenerate it with "
        "`.venv/bin/python tests/fixtures/make_snapshots.py`"
    )
