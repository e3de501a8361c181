"""inspect(model): the module tree, counts, buffers and grads, checked against torch, and the
widget that keeps it live without keeping the model alive or touching it."""

import gc
import json
import pathlib
import types
import weakref

import jsonschema
import pytest
import torch
from torch import nn

import torchinspect
from torchinspect import _kernel, inspect, live
from torchinspect.model.snapshot import model_snapshot
from torchinspect.model.widget import ModelInspector
from torchinspect.protocol import ERROR_REPLY, PREVIEW_REQUEST

SCHEMA = json.loads((pathlib.Path(torchinspect.__file__).parent / "schema" / "model-1.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def lesson_mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


def batchnorm_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Sequential(nn.Conv2d(4, 4, 3), nn.BatchNorm2d(4)), nn.Flatten(), nn.LazyLinear(2),
    )


class Tied(nn.Module):
    """A language model's tied weights: the embedding and the output layer share one matrix."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 10, bias=False)
        self.out.weight = self.embed.weight


def valid(snap):
    data = json.loads(json.dumps(snap, allow_nan=False))
    VALIDATOR.validate(data)
    return data


@pytest.mark.parametrize("make", [lesson_mlp, batchnorm_cnn, Tied, lambda: nn.TransformerEncoderLayer(8, 2)])
def test_every_module_counts_what_torch_counts(make):
    model = make()
    snap = valid(model_snapshot(model))
    named = dict(model.named_modules())
    assert [row["path"] for row in snap["modules"]] == list(named)
    for row in snap["modules"]:
        module = named[row["path"]]
        counted = [p for p in module.parameters() if not nn.parameter.is_lazy(p)]
        assert row["parameters"] == sum(p.numel() for p in counted)
        assert row["bytes"] == sum(p.numel() * p.element_size() for p in counted)
        assert row["buffers"] == sum(b.numel() for b in module.buffers())
        assert row["class"] == type(module).__name__
        if row["parent"] is not None:
            parent = snap["modules"][row["parent"]]["path"]
            assert named[parent].get_submodule(row["path"].rpartition(".")[2]) is module


def test_a_shared_parameter_is_counted_once_and_lists_its_other_name():
    snap = valid(model_snapshot(Tied()))
    assert snap["modules"][0]["parameters"] == 40  # not 80
    (weight,) = snap["parameters"]
    assert (weight["name"], weight["aliases"]) == ("embed.weight", ["out.weight"])


def test_batchnorm_running_statistics_are_listed_as_buffers_of_their_module():
    model = batchnorm_cnn()
    model(torch.randn(2, 3, 6, 6))  # initializes the lazy layer, moves the running statistics
    snap = valid(model_snapshot(model, name="cnn"))
    buffers = {b["name"]: b for b in snap["buffers"]}
    assert set(buffers) == {name for name, _ in model.named_buffers()}
    mean = buffers["3.1.running_mean"]
    assert snap["modules"][mean["module"]]["path"] == "3.1"
    assert mean["norm"] == pytest.approx(torch.linalg.vector_norm(model[3][1].running_mean).item())
    assert buffers["1.num_batches_tracked"]["dtype"] == "int64"
    assert "buffers" in snap["summary"]


def test_a_lazy_layer_says_it_is_not_initialized_until_its_first_forward():
    snap = valid(model_snapshot(batchnorm_cnn()))
    assert snap["parameters"][-1]["lazy"] is True and snap["parameters"][-1]["shape"] is None
    assert "2 not initialized yet (lazy)" in snap["summary"]


def test_frozen_parameters_are_told_apart_from_trainable_ones():
    model = lesson_mlp()
    model[0].requires_grad_(False)
    snap = valid(model_snapshot(model))
    assert [p["requires_grad"] for p in snap["parameters"]] == [False, False, True, True]
    assert snap["modules"][0]["trainable"] == 9 and snap["modules"][1]["trainable"] == 0
    assert snap["summary"].endswith("9 trainable, 24 frozen")


def test_each_parameter_s_grad_norm_and_nan_inf_counts_are_torch_s():
    model = lesson_mlp()
    nn.functional.mse_loss(model(torch.randn(16, 2)), torch.randn(16, 1)).backward()
    with torch.no_grad():
        model[2].bias.grad[0] = float("nan")
        model[0].weight[0, 0] = float("inf")
        model[0].weight[1, 1] = float("nan")
    snap = valid(model_snapshot(model))
    by_name = {p["name"]: p for p in snap["parameters"]}
    for name, parameter in model.named_parameters():
        assert by_name[name]["shape"] == list(parameter.shape)
        assert by_name[name]["dtype"] == "float32" and by_name[name]["device"] == "cpu"
    expected = torch.linalg.vector_norm(model[0].weight.grad).item()
    assert by_name["0.weight"]["grad"]["norm"] == pytest.approx(expected, rel=1e-6)
    assert by_name["2.bias"]["grad"] == {"norm": "nan", "nan": 1, "inf": 0}
    assert (by_name["0.weight"]["nan"], by_name["0.weight"]["inf"]) == (1, 1)
    assert by_name["2.weight"]["nan"] == 0


def test_a_model_on_the_meta_device_is_described_without_values():
    with torch.device("meta"):
        model = nn.Linear(3, 2)
    snap = valid(model_snapshot(model))
    assert snap["parameters"][0]["device"] == "meta" and snap["parameters"][0]["norm"] is None


def test_inspect_of_a_model_is_a_model_inspector_whose_grads_fill_in_after_backward():
    model = lesson_mlp()
    widget = inspect(model, name="model")
    assert isinstance(widget, ModelInspector)
    assert [p["grad"] for p in widget.model["parameters"]] == [None] * 4
    model(torch.randn(4, 2)).sum().backward()
    widget.refresh()
    norms = [p["grad"]["norm"] for p in widget.model["parameters"]]
    assert norms == pytest.approx([torch.linalg.vector_norm(p.grad).item() for p in model.parameters()])


def test_the_selected_parameter_s_card_is_its_tensor_snapshot_and_follows_it():
    model = lesson_mlp()
    widget = inspect(model, name="model")
    widget.selected = "2.weight"
    assert widget.parameter["summary"] == torchinspect.summary(model[2].weight).replace("tensor", "2.weight: tensor", 1)
    model(torch.randn(4, 2)).sum().backward()
    widget.refresh()
    assert "grad=tensor[1, 8]" in widget.parameter["summary"]
    widget.selected = "no.such"
    assert widget.parameter == {}


def test_the_open_card_s_slicer_is_answered_from_the_selected_parameter():
    model = nn.Linear(30, 20)
    widget = inspect(model)
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    request = {"kind": PREVIEW_REQUEST, "id": 3, "target": "values", "axes": [0, 1], "index": [None, None]}
    widget._answer(widget, request, [])
    assert sent[-1][0]["kind"] == ERROR_REPLY and "click one" in sent[-1][0]["message"]
    widget.selected = "weight"
    widget._answer(widget, request, [])
    reply, buffers = sent[-1]
    values = torch.frombuffer(bytearray(buffers[0]), dtype=torch.float32).reshape(reply["preview"]["shape"])
    assert torch.equal(values, model.weight.detach())


def page_sends(widget, state: dict) -> None:
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []})


def test_the_page_may_select_and_pause_but_not_write_the_snapshot():
    model = lesson_mlp()
    widget = inspect(model)
    before = widget.model
    page_sends(widget, {"model": {"summary": "forged"}, "selected": "0.bias", "paused": True})
    assert widget.model == before and widget.selected == "0.bias" and widget.paused is True
    assert widget.parameter["shape"] == [8]


def test_an_earlier_cell_s_model_card_follows_computing_cells_and_is_held_once_a_later_one_shows_output(monkeypatch):
    """As tensor cards do (test_live): a backward() cell fills the grads in; a cell that shows
    new output leaves the earlier card as of its cell until the page's Resume."""
    shell = types.SimpleNamespace(events=types.SimpleNamespace(register=lambda *hook: None))
    monkeypatch.setattr(_kernel, "notebook_shell", lambda: shell)
    monkeypatch.setattr(_kernel, "_hooks", {})
    model = lesson_mlp()
    first = inspect(model, name="model")
    first._repr_mimebundle_()  # cell 1 shows it
    live.refresh_live_inspectors()
    model(torch.randn(4, 2)).sum().backward()  # cell 2 only computes
    live.refresh_live_inspectors()
    assert all(p["grad"] is not None for p in first.model["parameters"]) and first.paused is False
    as_of_its_cell = first.model
    with torch.no_grad():  # cell 3 changes the weights and shows new output
        model[0].weight.mul_(2)
    inspect(model[0].weight)._repr_mimebundle_()
    live.refresh_live_inspectors()
    assert first.model is as_of_its_cell and (first.paused, first.superseded) == (True, True)
    page_sends(first, {"paused": False})  # Resume: the latest state, followed from then on
    doubled = torch.linalg.vector_norm(model[0].weight).item()
    assert first.superseded is False and first.model["parameters"][0]["norm"] == pytest.approx(doubled)


def test_the_inspector_keeps_no_reference_to_the_model_and_says_when_it_is_gone():
    model = batchnorm_cnn()
    widget = inspect(model, name="cnn")
    widget.selected = "0.weight"
    freed = weakref.ref(model)
    del model
    gc.collect()
    assert freed() is None
    widget.refresh()
    assert widget.gone is True
    assert widget.model["summary"].startswith("cnn: Sequential")


def test_inspecting_a_model_leaves_it_as_it_was():
    model = batchnorm_cnn()
    model(torch.randn(2, 3, 6, 6)).sum().backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    state = {name: t.clone() for name, t in model.state_dict().items()}
    widget = inspect(model)
    widget.selected = "1.weight"
    widget.refresh(force=True)
    assert all(p.grad is grads[name] for name, p in model.named_parameters())
    assert all(torch.equal(t, state[name]) for name, t in model.state_dict().items())
    for module in model.modules():
        assert not (module._forward_hooks or module._forward_pre_hooks or module._backward_hooks)
    assert all(p._post_accumulate_grad_hooks is None and p._backward_hooks is None for p in model.parameters())


def test_the_display_bundle_shows_the_tree_as_text_for_outputs_without_the_widget():
    data, _ = inspect(lesson_mlp(), name="model")._repr_mimebundle_()
    assert data["text/plain"].splitlines() == [
        "model: Sequential, 33 parameters (132 B), all trainable",
        "  0 · Linear(in_features=2, out_features=8, bias=True)  24 parameters  96 B",
        "  1 · Tanh",
        "  2 · Linear(in_features=8, out_features=1, bias=True)  9 parameters  36 B",
    ]
    assert "application/vnd.torchinspect.model+json" in data and "<pre>" in data["text/html"]


def test_inspect_model_of_something_else_says_what_it_takes():
    from torchinspect.model.widget import inspect_model

    with pytest.raises(TypeError, match=r"^torchinspect.inspect\(\) takes a torch.nn.Module"):
        inspect_model(torch.ones(2))


FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "models.json"


def fixture_models() -> dict:
    """The snapshots tests/js/model.test.ts reads: the lesson's MLP after backward(), a
    BatchNorm CNN with a lazy layer, and tied weights with a frozen, NaN-holding parameter."""
    mlp = lesson_mlp()
    nn.functional.mse_loss(mlp(torch.ones(4, 2)), torch.zeros(4, 1)).backward()
    tied = Tied()
    tied.embed.weight.requires_grad_(False)
    with torch.no_grad():
        tied.embed.weight[0, 0] = float("nan")
    return {
        "mlp": model_snapshot(mlp, name="model"),
        "cnn": model_snapshot(batchnorm_cnn(), name="cnn"),
        "tied": model_snapshot(tied),
    }


def test_the_typescript_fixture_is_what_python_makes_now():
    made = json.loads(json.dumps(fixture_models(), allow_nan=False))
    stored = json.loads(FIXTURE.read_text())
    assert stored == made, (
        "tests/fixtures/models.json is stale: regenerate it with .venv/bin/python tests/python/test_model_inspector.py"
    )
    for snap in stored.values():
        VALIDATOR.validate(snap)


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(json.loads(json.dumps(fixture_models(), allow_nan=False)), indent=1) + "\n")
