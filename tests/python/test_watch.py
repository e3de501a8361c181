"""torchinspect.watch: the numbers it keeps are torch's, it stays bounded over 10,000 steps, it
leaves no hook and keeps nothing alive, and its flags name what was planted."""

import base64
import gc
import json
import math
import subprocess
import sys
import weakref

import pytest
import torch
from torch import nn

import torchinspect
from torchinspect.training.payload import PAYLOAD_BYTES
from torchinspect.training.statistics import BIN_EDGES, magnitude_histogram
from torchinspect.training.updates import cache_sized_groups
from torchinspect.training.widget import _publish_running

pytestmark = pytest.mark.usefixtures("one_thread")


def mlp(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))


def train(model, optimizer, steps, w=None, seed=1):
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(32, 4, generator=generator)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))
        loss.backward()
        optimizer.step()
        if w is not None:
            w.log(loss)
    return loss


def hooks_of(model, optimizer):
    modules = sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())
    return modules, len(optimizer._optimizer_step_pre_hooks), len(optimizer._optimizer_step_post_hooks)


def payload_bytes(data) -> int:
    """What one update sends: the JSON text and the binary buffers."""
    buffers = 0

    def strip(value):
        nonlocal buffers
        if isinstance(value, bytes):
            buffers += len(value)
            return None
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return len(json.dumps(strip(data))) + buffers


def test_each_step_keeps_torch_s_numbers():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    outputs = []
    model[1].register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().clone()))
    expected = []
    w = torchinspect.watch(model, optimizer)
    generator = torch.Generator().manual_seed(1)
    for _ in range(3):
        x = torch.randn(32, 4, generator=generator)
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))
        loss.backward()
        before = [p.detach().clone() for p in model.parameters()]
        grads = [p.grad.clone() for p in model.parameters()]
        optimizer.step()
        w.log(loss)
        expected.append((loss.item(), before, grads, [p.detach().clone() for p in model.parameters()]))
    w.stop()
    history = w.history
    assert history.steps().tolist() == [1, 2, 3] and w.steps == 3
    for column, (loss, before, grads, after) in enumerate(expected):
        assert history.losses()[column].item() == pytest.approx(loss, rel=1e-6)
        numbers = history.parameters()[column]
        for i in range(4):
            assert numbers[i, 0].item() == pytest.approx(torch.linalg.vector_norm(grads[i]).item(), rel=1e-5)
            assert numbers[i, 1].item() == pytest.approx(torch.linalg.vector_norm(before[i]).item(), rel=1e-5)
            ratio = torch.linalg.vector_norm(after[i] - before[i]) / torch.linalg.vector_norm(before[i])
            assert numbers[i, 2].item() == pytest.approx(ratio.item(), rel=1e-4)
        relu = outputs[column]
        mean, std, zeros, dead, nan, inf, nonfinite = history.activations()[column, w.module_names.index("1")].tolist()
        assert (mean, std) == pytest.approx((relu.mean().item(), relu.std().item()), rel=1e-5)
        assert zeros == pytest.approx((relu == 0).float().mean().item())
        assert dead == pytest.approx((relu == 0).all(0).float().mean().item())
        assert (nan, inf, nonfinite) == (0, 0, 0)
        activation_histogram = history.histograms()[column, w.module_names.index("1"), 0]
        assert torch.equal(activation_histogram, magnitude_histogram(relu))
        gradient_histogram = history.histograms()[column, w.module_names.index("0"), 1]
        assert torch.equal(gradient_histogram, magnitude_histogram(grads[0]) + magnitude_histogram(grads[1]))


def test_a_model_of_several_megabytes_keeps_torch_s_norms_and_updates_for_every_parameter():
    """The weights are copied and their norms taken a few hundred KB at a time (while in the
    cache): every parameter of every run is still read, against its own weights."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 256), nn.ReLU(), nn.Linear(256, 3))
    assert len(cache_sized_groups(list(model.parameters()))) >= 3  # several runs, or this tests nothing new
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)  # an update that is not the gradient's multiple
    expected = []
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(2):
            optimizer.zero_grad()
            model(torch.randn(4, 256)).square().mean().backward()
            before = [p.detach().clone() for p in model.parameters()]
            optimizer.step()
            w.log()
            expected.append([(b, p.detach().clone()) for b, p in zip(before, model.parameters())])
    for column, weights in enumerate(expected):
        numbers = w.history.parameters()[column]
        for i, (before, after) in enumerate(weights):
            weight, update = torch.linalg.vector_norm(before), torch.linalg.vector_norm(after - before)
            assert numbers[i, 1].item() == pytest.approx(weight.item(), rel=1e-5)
            assert numbers[i, 2].item() == pytest.approx((update / weight).item(), rel=1e-4)


def test_the_histogram_bins_magnitudes_on_a_fixed_log_scale():
    values = torch.tensor([0.0, 1e-12, 3e-3, -3e-3, 1.0, 2e5, float("inf"), float("nan")])
    counts = magnitude_histogram(values)
    assert counts.sum().item() == 7  # NaN is counted apart
    assert counts[0].item() == 2 and counts[-1].item() == 2
    for magnitude, expected in ((3e-3, 2), (1.0, 1)):
        (index,) = [i for i in range(len(BIN_EDGES) - 1) if BIN_EDGES[i] <= magnitude < BIN_EDGES[i + 1]]
        assert counts[index].item() == expected


def test_values_next_to_every_bin_edge_fall_in_the_bin_of_their_half_decade():
    edges = torch.tensor(BIN_EDGES[1:-1])
    below, above = edges.nextafter(torch.tensor(0.0)), edges.nextafter(torch.tensor(math.inf))
    values = torch.cat([edges, below, above, -above, torch.tensor([0.0, -0.0, 1e-45, 3e38, -math.inf])])
    half_decades = values.abs().clamp(1e-10, 1e5).log10().sub(-10).mul(2).floor().clamp(0, len(BIN_EDGES) - 2)
    expected = torch.bincount(half_decades.long(), minlength=len(BIN_EDGES) - 1).float()
    assert torch.equal(magnitude_histogram(values), expected)


def test_watching_changes_nothing_the_training_computes():
    plain, watched = mlp(), mlp()
    train(plain, torch.optim.Adam(plain.parameters(), lr=0.01), 20)
    optimizer = torch.optim.Adam(watched.parameters(), lr=0.01)
    with torchinspect.watch(watched, optimizer) as w:
        train(watched, optimizer, 20, w)
    for a, b in zip(plain.parameters(), watched.parameters()):
        assert torch.equal(a, b) and torch.equal(a.grad, b.grad)


def test_stop_and_the_end_of_the_with_block_remove_every_hook():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = hooks_of(model, optimizer)
    w = torchinspect.watch(model, optimizer)
    assert hooks_of(model, optimizer) != before
    train(model, optimizer, 2, w)
    w.stop()
    assert hooks_of(model, optimizer) == before
    with torchinspect.watch(model, optimizer, every=3) as w:
        train(model, optimizer, 2, w)
        assert hooks_of(model, optimizer) != before
    assert hooks_of(model, optimizer) == before
    train(model, optimizer, 2, w)  # after stop, nothing more is recorded
    assert w.steps == 2


def test_the_watch_keeps_no_reference_to_the_model_or_the_optimizer():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    w = torchinspect.watch(model, optimizer)
    train(model, optimizer, 3, w)
    freed = weakref.ref(model), weakref.ref(optimizer)
    del model, optimizer
    gc.collect()
    assert [ref() for ref in freed] == [None, None]
    w.stop()  # publishes the steps the throttle held back, and removes nothing left to remove
    assert w.steps == 3 and w.watch["steps"] == 3


def test_ten_thousand_steps_keep_at_most_a_thousand_columns_and_each_update_under_64_kb():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    w = torchinspect.watch(model, optimizer, every=2)  # 5,000 recorded steps: merged three times
    sizes = {name: tuple(t.shape) for name, t in vars(w.history).items() if isinstance(t, torch.Tensor)}
    x, y = torch.randn(8, 2), torch.randn(8, 1)
    losses = []
    for _ in range(10_000):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        w.log(loss)
        losses.append(loss.item())
    w.stop()
    history = w.history
    assert w.steps == 10_000 and history.spans().sum().item() == 5_000
    assert 500 <= history.count <= 1000 and set(history.spans().tolist()[:-1]) == {history.steps_per_column}
    assert {name: tuple(t.shape) for name, t in vars(history).items() if isinstance(t, torch.Tensor)} == sizes
    first = history.steps_per_column
    assert history.losses()[0].item() == pytest.approx(sum(losses[: 2 * first : 2]) / first, rel=1e-4)
    assert history.steps()[:3].tolist() == [1, 1 + 2 * first, 1 + 4 * first]
    assert payload_bytes(w.watch) <= PAYLOAD_BYTES
    assert w.watch["steps"] == 10_000


def test_the_page_s_lines_average_each_run_of_steps_as_torch_s_nanmean():
    """80 parameters leave room for 38 points a line: 100 steps are averaged down to them, each
    point the mean of its steps' numbers (NaN only where all are: a frozen weight)."""
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(4, 4) for _ in range(40)])
    model[3].weight.requires_grad_(False)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01)
    generator = torch.Generator().manual_seed(1)
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(100):
            optimizer.zero_grad()
            model(torch.randn(8, 4, generator=generator)).square().mean().backward()
            optimizer.step()
    lines = w.watch["lines"]
    assert lines == 38
    history = w.history.parameters()  # [steps, parameters, (grad norm, weight norm, update ratio)]
    edges = torch.linspace(0, 100, lines + 1).long().tolist()
    sent = {}
    for key, field in (("grad_norm", 0), ("update_ratio", 2)):
        sent[key] = torch.frombuffer(bytearray(w.watch[key]), dtype=torch.float32).reshape(80, lines)
        expected = torch.stack([history[a:b, :, field].nanmean(0) for a, b in zip(edges, edges[1:])], 1)
        torch.testing.assert_close(sent[key], expected, rtol=1e-6, atol=0, equal_nan=True)
    # The frozen weight: no gradient (NaN), no update (0); the rest are numbers.
    assert sent["grad_norm"][6].isnan().all() and sent["update_ratio"][6].eq(0).all()
    assert not sent["grad_norm"][7:].isnan().any()


def test_a_transformer_s_update_stays_under_64_kb():
    torch.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 6)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    w = torchinspect.watch(model, optimizer)
    for _ in range(30):
        optimizer.zero_grad()
        loss = model(torch.randn(2, 5, 32)).pow(2).mean()
        loss.backward()
        optimizer.step()
        w.log(loss)
    w.stop()
    assert len(w.parameter_names) == 72 and payload_bytes(w.watch) <= PAYLOAD_BYTES
    assert w.watch["heatmaps"]["columns"] == 30


def test_every_records_one_step_in_that_many():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with torchinspect.watch(model, optimizer, every=10) as w:
        train(model, optimizer, 95, w)
    assert w.steps == 95 and w.history.steps().tolist() == list(range(1, 92, 10))


class CountOps(torch.utils._python_dispatch.TorchDispatchMode):
    """Counts the tensor operations run while it is on."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def test_a_step_that_is_not_recorded_runs_no_tensor_operation_of_the_watch():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    counts = []
    with torchinspect.watch(model, optimizer, every=10) as w:
        train(model, optimizer, 1, w)  # step 1, recorded
        for _ in range(2):  # step 2 watched (not recorded), step 3 after stop()
            with CountOps() as ops:
                train(model, optimizer, 1, w)
            counts.append(ops.count)
            w.stop()
    assert w.steps == 2 and counts[0] == counts[1]


def test_the_modules_are_hooked_for_the_recorded_steps_only():
    """With every=3, the watched modules' forward hooks are on during steps 1, 4, 7 (recorded)
    and off during the others, whose forward then calls none of them."""
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    watched = len([m for m in model.modules() if not list(m.children())])
    hooked = []
    with torchinspect.watch(model, optimizer, every=3) as w:
        for _ in range(7):
            hooked.append(hooks_of(model, optimizer)[0])
            train(model, optimizer, 1, w)
    assert hooked == [1 + watched, 1, 1, 1 + watched, 1, 1, 1 + watched]  # and the model's own pre-hook
    assert w.history.steps().tolist() == [1, 4, 7]
    assert not torch.isnan(w.history.activations()).any()  # every recorded step saw every module
    assert hooks_of(model, optimizer) == (0, 0, 0)


def test_steps_read_while_a_step_runs_keep_that_step_s_numbers():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    outputs = []
    model[1].register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().clone()))
    with torchinspect.watch(model, optimizer) as w:
        train(model, optimizer, 2, w)
        optimizer.zero_grad()
        loss = model(torch.randn(32, 4)).pow(2).mean()
        assert w.history.count == 2  # read with step 3's forward done, its backward not yet
        loss.backward()
        optimizer.step()
        w.log(loss)
    relu = outputs[2]
    mean, std, zeros = w.history.activations()[2, w.module_names.index("1"), :3].tolist()
    assert (mean, std) == pytest.approx((relu.mean().item(), relu.std().item()), rel=1e-5)
    assert zeros == pytest.approx((relu == 0).float().mean().item())
    assert torch.equal(w.history.histograms()[2, w.module_names.index("1"), 0], magnitude_histogram(relu))
    assert w.history.losses()[2].item() == pytest.approx(loss.item())


def test_without_an_optimizer_log_ends_each_step():
    model = mlp()
    with torchinspect.watch(model) as w:
        for _ in range(4):
            model.zero_grad()
            loss = model(torch.randn(8, 4)).pow(2).mean()
            loss.backward()
            w.log(loss=loss)
    assert w.steps == 4 and not torch.isnan(w.history.parameters()[:, :, 0]).any()
    assert torch.isnan(w.history.parameters()[:, :, 2]).all()  # no update without the optimizer


def test_an_exploding_layer_is_flagged_by_name():
    model = mlp()
    with torch.no_grad():
        model[2].weight.mul_(1e4)  # gradients into layer 0 blow up
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)
    with torchinspect.watch(model, optimizer) as w:
        train(model, optimizer, 3, w)
    exploding = [flag for flag in w.flags() if flag["kind"] == "exploding"]
    assert exploding and "0.weight" in exploding[0]["where"] and "2.weight" not in exploding[0]["where"]
    assert "clip_grad_norm_" in exploding[0]["text"]
    assert "Exploding gradients: 0.weight" in w.summary()


def test_the_first_nan_names_its_step_and_layer_and_offers_find_nan():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    w = torchinspect.watch(model, optimizer)
    train(model, optimizer, 4, w)
    with torch.no_grad():
        model[2].bias.fill_(float("nan"))
    train(model, optimizer, 3, w)
    w.stop()
    (flag,) = [flag for flag in w.flags() if flag["kind"] == "nonfinite"]
    assert flag["title"] == "NaN at step 5" and flag["where"] == ["the output of 2"]
    assert "torchinspect.find_nan" in flag["text"]


def test_a_learning_rate_too_high_and_dead_units_are_flagged():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    with torchinspect.watch(model, optimizer) as w:
        train(model, optimizer, 5, w)
    (large,) = w.flags()
    assert large["kind"] == "large-update" and "learning rate is likely too high" in large["text"]
    model = mlp()
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    with torchinspect.watch(model, optimizer) as w:
        train(model, optimizer, 2, w)
    (dead,) = [flag for flag in w.flags() if flag["kind"] == "dead"]
    assert dead["where"] == ["1"] and "100%" in dead["text"]


def test_a_healthy_run_raises_no_flag():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with torchinspect.watch(model, optimizer) as w:
        train(model, optimizer, 30, w)
    assert w.flags() == [] and w.summary().endswith("flags: none")


def test_in_a_plain_script_it_prints_a_line_every_n_steps():
    script = (
        "import torch, torchinspect\n"
        # Weights of 1 and a small step: a healthy run, whatever the seed (a bias drawn near 0
        # would move by more than a tenth of itself and be flagged).
        "model = torch.nn.Linear(2, 1)\ntorch.nn.init.ones_(model.weight); torch.nn.init.ones_(model.bias)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.001)\n"
        "w = torchinspect.watch(model, opt, print_every=5)\n"
        "for _ in range(12):\n"
        "    opt.zero_grad(); loss = model(torch.ones(4, 2)).pow(2).mean(); loss.backward(); opt.step(); w.log(loss)\n"
        "w.stop()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["torchinspect.watch: step 5", "torchinspect.watch: step 10"]
    assert "loss " in lines[0] and "max ‖grad‖" in lines[0] and lines[0].endswith("flags: none")


def test_the_page_may_choose_the_module_shown_and_nothing_else():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    w = torchinspect.watch(model, optimizer)
    train(model, optimizer, 2, w)
    before = w.watch
    w._handle_msg(
        {
            "content": {"data": {"method": "update", "state": {"shown_module": 2, "watch": {}}, "buffer_paths": []}},
            "buffers": [],
        }
    )
    assert w.shown_module == 2 and w.watch["selected"] == 2 and w.watch["steps"] == 2 != before.get("steps")
    w.stop()


@pytest.mark.parametrize(
    ("args", "kwargs", "says"),
    [
        ((torch.ones(2),), {}, r"^torchinspect.watch\(\) takes the torch.nn.Module being trained"),
        ((nn.Linear(1, 1), "adam"), {}, r"optimizer must be a torch.optim.Optimizer"),
        ((nn.Linear(1, 1),), {"every": 0}, r"every must be a whole number of steps ≥ 1"),
    ],
)
def test_bad_arguments_say_what_to_pass(args, kwargs, says):
    with pytest.raises((TypeError, ValueError), match=says):
        torchinspect.watch(*args, **kwargs)


class Scale(nn.Module):
    """Each feature times its own weight: a NaN planted in the input stays where it was."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(features))

    def forward(self, x):
        return x * self.weight


def test_a_large_output_s_statistics_read_a_sample_but_a_single_nan_anywhere_is_seen():
    from torchinspect.training.statistics import SAMPLE

    torch.manual_seed(0)
    model = Scale(4096)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs = torch.randn(8, 4096)
    units = inputs[:, :: 8 * 4096 // SAMPLE]
    assert units.numel() == SAMPLE
    planted = inputs.clone()
    planted[3, 4095] = float("nan")  # outside the sample
    with torchinspect.watch(model, optimizer) as w:
        for x in (inputs, planted):
            optimizer.zero_grad()
            model(x).sum().backward()
            optimizer.step()
    (clean, dirty) = w.history.activations()[:, 0].tolist()
    mean, std, zeros, dead, nan, inf, nonfinite = clean
    assert (mean, std) == pytest.approx((units.mean().item(), units.std().item()), rel=1e-5)
    assert (nan, nonfinite) == (0, 0)
    mean, std, zeros, dead, nan, inf, nonfinite = dirty
    assert (nan, nonfinite) == (0, 1)
    assert w.flags()[0]["where"] == ["the output of the model"]


def embedded(page: str) -> dict:
    """The data an exported page draws from."""
    start = page.index('id="torchinspect-data">') + len('id="torchinspect-data">')
    return json.loads(page[start : page.index("</script>", start)])


def test_export_html_writes_the_watch_as_it_is_with_torch_s_numbers(tmp_path):
    model = mlp()
    with torch.no_grad():
        model[2].weight.mul_(1e4)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)
    losses = []
    with torchinspect.watch(model, optimizer) as w:
        for _ in range(3):
            losses.append(train(model, optimizer, 1, w).item())
    page = torchinspect.export_html(w, tmp_path / "watch.html").read_text()
    assert f"<title>torchinspect.watch: {w.summary()}</title>" in page.replace("&#x27;", "'")
    data = embedded(page)
    assert data["kind"] == "watch" and data["watch"]["steps"] == 3
    assert [p["name"] for p in data["watch"]["parameters"]] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [flag["kind"] for flag in data["watch"]["flags"]] == ["exploding"]
    saved_losses = torch.frombuffer(bytearray(base64.b64decode(data["watch"]["loss"]["base64"])), dtype=torch.float32)
    assert saved_losses.tolist() == pytest.approx(losses)
    assert torchinspect.export_html(w, tmp_path / "same.html").read_text() == page


def test_a_displayed_watch_brings_its_saved_picture_up_to_date_after_each_cell(monkeypatch):
    """What a reopened notebook shows is the watch's MIME data: displayed before the loop, it is
    updated (same display id) once the training cell ends, and once more at stop()."""
    from IPython import display

    shown, updated = [], []
    monkeypatch.setattr(display, "display", lambda data, **kwargs: shown.append((data, kwargs["display_id"])))
    monkeypatch.setattr(display, "update_display", lambda data, **kwargs: updated.append((data, kwargs["display_id"])))
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    w = torchinspect.watch(model, optimizer)
    w._ipython_display_()
    mime = "application/vnd.torchinspect.watch+json"
    ((data, display_id),) = shown
    assert data[mime]["steps"] == 0 and "application/vnd.jupyter.widget-view+json" in data
    train(model, optimizer, 4, w)
    _publish_running()  # what runs after the cell
    assert updated[-1][1] == display_id and updated[-1][0][mime]["steps"] == 4
    assert updated[-1][0]["text/plain"] == f"torchinspect.watch: {w.summary()}"
    train(model, optimizer, 2, w)
    w.stop()
    assert updated[-1][0][mime]["steps"] == 6 and updated[-1][0][mime]["running"] is False
