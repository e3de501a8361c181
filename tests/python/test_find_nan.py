"""find_nan and nan_guard: the op, phase, module and line where a NaN or Inf began.

Every case names the line it expects by reading this file's source, so a test cannot pass on a
line it did not mean; torch itself is the oracle for the values and the gradients.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
import weakref
from collections import OrderedDict

import pytest
import torch
from torch import nn
from torch.nn.modules import module as torch_module
from torch.utils._python_dispatch import TorchDispatchMode, _len_torch_dispatch_stack

import torchinspect
from torchinspect.nan.guard import NonFiniteError

HERE = __file__.rsplit("/", 1)[-1]


def line_of(text: str) -> int:
    """The line number of the one line of this file that ends with the comment ``text``."""
    lines = [number for number, line in enumerate(open(__file__).read().splitlines(), 1) if line.rstrip().endswith(text)]
    assert len(lines) == 1, f"{text!r} should end one line: {lines}"
    return lines[0]


class Log(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)  # the log line


class Sqrt(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(x)  # the sqrt line


def mlp_with_log() -> nn.Module:
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), Log())
    return nn.Sequential(OrderedDict(encoder=encoder, head=nn.Linear(8, 1)))


def no_hook_left() -> None:
    assert not torch_module._global_forward_pre_hooks
    assert not torch_module._global_forward_hooks
    assert not torch_module._global_forward_hooks_always_called
    assert _len_torch_dispatch_stack() == 0


def test_log_of_a_negative_in_the_middle_of_an_mlp():
    model = mlp_with_log()
    x = torch.randn(6, 4)

    def train_step() -> None:
        model(x).sum().backward()

    report = torchinspect.find_nan(train_step)
    assert (report.found, report.phase, report.op, report.kind) == (True, "forward", "log", "nan")
    assert report.module == "encoder.2" and report.data["module_class"] == "Log"
    assert report.frame["line"] == line_of("# the log line") and report.frame["source"] == "return torch.log(x)  # the log line"
    assert report.frame["where"] == f"{HERE}:{line_of('# the log line')}"
    hidden = torch.tanh(model.encoder[0](x))
    assert report.data["counts"]["nan"] == int((hidden < 0).sum())
    first = (hidden < 0).flatten().nonzero()[0].item()
    assert report.data["index"] == [first // 8, first % 8]
    assert report.inputs[0]["value"] == pytest.approx(hidden.flatten()[first].item())
    assert report.inputs[0]["snapshot"]["shape"] == [6, 8]
    assert report.output["value"] == "nan"
    negatives = int((hidden < 0).sum())
    assert report.sentence.startswith(f"log in encoder.2 (Log) at {HERE}:{line_of('# the log line')} made {negatives} NaN from {negatives} negative inputs, e.g. log(-")
    # Stopped at the origin: backward never ran.
    assert all(parameter.grad is None for parameter in model.parameters())
    no_hook_left()


def test_zero_over_zero():
    numerator, denominator = torch.tensor([1.0, 0.0, 2.0]), torch.tensor([1.0, 0.0, 4.0])
    report = torchinspect.find_nan(lambda: numerator / denominator)  # the division line
    assert (report.phase, report.op, report.kind, report.module) == ("forward", "div", "nan", None)
    assert report.frame["line"] == line_of("# the division line")
    assert report.data["index"] == [1]
    assert [entry["value"] for entry in report.inputs] == [0.0, 0.0]
    assert report.sentence.endswith("made 1 NaN from 1 zero-over-zero division, e.g. div(0, 0)")


def test_exp_overflowing_then_inf_minus_inf_is_the_exp():
    x = torch.tensor([1.0, 200.0])

    def loss() -> torch.Tensor:
        big = torch.exp(x)  # the exp line
        return (big - big).sum()

    report = torchinspect.find_nan(loss)
    assert (report.phase, report.op, report.kind) == ("forward", "exp", "+inf")
    assert report.frame["line"] == line_of("# the exp line")
    assert report.data["reason"] == f"from 1 input above {math.log(torch.finfo(torch.float32).max):.4g}"


def test_sqrt_at_zero_is_finite_forward_and_infinite_backward():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), Sqrt())
    x = torch.randn(5, 3)

    def train_step() -> None:
        model(x).sum().backward()

    with torch.no_grad():
        assert torch.isfinite(model(x)).all() and (model[1](model[0](x)) == 0).any()
    report = torchinspect.find_nan(train_step)
    assert (report.found, report.phase, report.op, report.kind) == (True, "backward", "sqrt", "+inf")
    assert report.module == "2" and report.data["node"] == "SqrtBackward0"
    assert report.frame["line"] == line_of("# the sqrt line")
    graph = report.data["graph"]
    origin = next(node for node in graph["nodes"] if node["id"] == report.data["origin_node"])
    assert origin["op"] == "SqrtBackward0"
    assert {"SumBackward0", "AddmmBackward0"} <= {node["op"] for node in graph["nodes"]}
    no_hook_left()


def test_a_nan_in_the_input_data_is_the_origin_not_an_op():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    batch = torch.randn(4, 3)
    batch[2, 1] = math.nan

    def train_step(inputs: torch.Tensor) -> None:
        model(inputs).sum().backward()  # the model line

    report = torchinspect.find_nan(train_step, batch)
    assert report.data["source"] == "input" and report.data["input_name"] == "inputs"
    assert (report.phase, report.op, report.kind, report.module) == ("forward", "addmm", "nan", "0")
    assert report.sentence.startswith("the input inputs already held NaN when addmm in 0 (Linear) at ")


class LogOfSquareMinusOne(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.log(x * x - 1)  # the custom forward line

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x / (x * x - 1)


def test_a_custom_function_forward():
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    report = torchinspect.find_nan(lambda: LogOfSquareMinusOne.apply(x).sum().backward())
    assert (report.phase, report.op, report.kind, report.module) == ("forward", "log", "nan", None)
    assert report.frame["line"] == line_of("# the custom forward line")
    assert report.inputs[0]["value"] == pytest.approx(0.5 * 0.5 - 1)
    assert x.grad is None


class HalfSquare(torch.autograd.Function):
    """Forward finite everywhere; backward divides by the input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x / 2

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x * x / x


def test_a_custom_function_whose_backward_makes_the_nan():
    x = torch.tensor([0.0, 3.0], requires_grad=True)

    def step() -> None:
        y = HalfSquare.apply(x)  # the half square line
        y.sum().backward()

    report = torchinspect.find_nan(step)
    assert (report.phase, report.op, report.kind) == ("backward", "half_square", "nan")
    assert report.data["node"] == "HalfSquareBackward" and report.data["backward_op"] == "div"
    assert report.frame["line"] == line_of("# the half square line")
    assert x.grad is None


def test_a_clean_model_is_found_clean_with_gradients_equal_bit_for_bit():
    def run(under_find_nan: bool, guarded: bool) -> list[torch.Tensor]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
        x, target = torch.randn(7, 5), torch.tensor([0, 1, 2, 0, 1, 2, 0])

        def step() -> torch.Tensor:
            loss = nn.functional.cross_entropy(model(x), target)
            loss.backward()
            return loss

        if under_find_nan:
            report = torchinspect.find_nan(step)
            assert not report.found and report.data["checked_ops"] > 10
            assert report.sentence.startswith("no NaN or Inf: ")
        elif guarded:
            with torchinspect.nan_guard():
                step()
        else:
            step()
        return [parameter.grad for parameter in model.parameters()]

    plain = run(False, False)
    for found_grads in (run(True, False), run(False, True)):
        assert all(torch.equal(a, b) and a.dtype == b.dtype for a, b in zip(plain, found_grads))
    no_hook_left()


def test_hostile_module_names_are_reported_as_written():
    hostile = "<img src=x onerror=alert(1)>"
    model = nn.Sequential()
    model.add_module(hostile, Log())
    report = torchinspect.find_nan(model, -torch.ones(2))
    assert report.module == hostile
    assert report.sentence.startswith(f"log in {hostile} (Log) at ")
    assert [hostile, True] in report.data["sentence_parts"]
    saved_html = report._repr_mimebundle_()[0]["text/html"]
    assert "<img" not in saved_html and "<code>&lt;img src=x onerror=alert(1)&gt;</code>" in saved_html


def test_nothing_of_the_program_is_kept_alive():
    model = mlp_with_log()
    x = torch.randn(3, 4, requires_grad=True)
    report = torchinspect.find_nan(lambda net, inputs: net(inputs).sum().backward(), model, x)
    assert report.found and report.data["graph"] is not None
    model_ref, x_ref = weakref.ref(model), weakref.ref(x)
    parameter_ref = weakref.ref(next(model.parameters()))
    del model, x
    gc.collect()
    assert model_ref() is None and x_ref() is None and parameter_ref() is None
    no_hook_left()


def test_nan_guard_raises_at_the_first_non_finite_output_with_the_same_facts():
    model = mlp_with_log()
    x = torch.randn(6, 4)
    with pytest.raises(FloatingPointError) as raised:
        with torchinspect.nan_guard():
            model(x).sum().backward()
    error = raised.value
    assert isinstance(error, NonFiniteError)
    found = torchinspect.find_nan(lambda: model(x).sum().backward())
    assert error.report.sentence == found.sentence
    assert str(error).startswith(f"torchinspect: {found.sentence}\n")
    assert str(error).endswith("return torch.log(x)  # the log line")
    no_hook_left()


def test_nan_guard_checks_only_the_ops_and_modules_it_is_given():
    model = mlp_with_log()
    x = torch.randn(6, 4)
    zero = torch.zeros(1)
    with torchinspect.nan_guard(ops=["div"]):
        model(x)
    with pytest.raises(NonFiniteError, match="made 1 NaN"):
        with torchinspect.nan_guard(ops=[torch.div]):
            model(x)
            zero / zero
    with torchinspect.nan_guard(modules=model.head):
        model.encoder(x)
        zero / zero
    with pytest.raises(NonFiniteError, match=r"addmm in head \(Linear\) at .* read NaN already in its input mat1"):
        with torchinspect.nan_guard(modules=model.head):
            model(x)
    with pytest.raises(NonFiniteError, match=r"log in encoder.2 \(Log\)"):
        with torchinspect.nan_guard(modules=[model.encoder]):
            model(x)


def test_nan_guard_in_backward_names_the_forward_line():
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(NonFiniteError) as raised:
        with torchinspect.nan_guard():
            root = torch.sqrt(x)  # the guarded sqrt line
            root.sum().backward()
    report = raised.value.report
    assert (report.phase, report.op, report.kind) == ("backward", "sqrt", "+inf")
    assert report.frame["line"] == line_of("# the guarded sqrt line")
    assert x.grad is None
    no_hook_left()


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(TypeError, match=r"^torchinspect.find_nan\(\) takes the function to run"):
        torchinspect.find_nan(torch.ones(2))
    with pytest.raises(TypeError, match=r"^torchinspect.nan_guard\(\) takes ops by name"):
        torchinspect.nan_guard(ops=[3])
    with pytest.raises(TypeError, match=r"^torchinspect.nan_guard\(\) takes modules"):
        torchinspect.nan_guard(modules=["encoder"])


def test_the_report_shows_as_a_widget_and_as_text():
    report = torchinspect.find_nan(lambda: torch.log(-torch.ones(3)))
    data, _ = report._repr_mimebundle_()
    assert data["text/plain"] == report.sentence
    saved = data["application/vnd.torchinspect.nan+json"]
    assert saved["sentence"] == report.sentence and saved["output"]["snapshot"]["shape"] == [3]
    assert json.loads(json.dumps(saved)) == saved
    assert "application/vnd.jupyter.widget-view+json" in data
    assert inspect.signature(torchinspect.find_nan).parameters["fn"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


def test_an_error_of_the_function_passes_through_and_leaves_no_hook():
    model = mlp_with_log()

    def broken_step() -> None:
        model.head(torch.ones(2, 8))
        raise ValueError("the user's own error")

    with pytest.raises(ValueError, match="the user's own error"):
        torchinspect.find_nan(broken_step)
    no_hook_left()


class ReadsOfValues(TorchDispatchMode):
    """Counts the ops that bring a value to the host: the device syncs of the check, run under
    the mode it is nested in."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket in (torch.ops.aten.item, torch.ops.aten._local_scalar_dense, torch.ops.aten.is_nonzero):
            self.reads += 1
        return func(*args, **(kwargs or {}))


def test_the_clean_path_reads_one_value_per_checked_op():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
    x = torch.randn(7, 5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def train_step() -> None:
        for _ in range(2):  # the second step runs the in-place momentum updates
            optimizer.zero_grad()
            model(x).pow(2).mean().backward()
            optimizer.step()

    with ReadsOfValues() as counted:
        report = torchinspect.find_nan(train_step)
    assert not report.found
    assert report.data["checked_ops"] > 30
    assert 0 < counted.reads <= report.data["checked_ops"], (counted.reads, report.data["checked_ops"])


def test_in_place_ops_tell_their_own_nan_from_one_they_were_given():
    made_here = torch.tensor([1.0, 0.0])
    report = torchinspect.find_nan(lambda: made_here.div_(0.0))  # the in-place division line
    assert (report.data["source"], report.op, report.kind) == ("op", "div_", "+inf")
    assert report.frame["line"] == line_of("# the in-place division line")
    given = torch.tensor([1.0, math.nan])
    report = torchinspect.find_nan(lambda weights: weights.mul_(2), given)
    assert (report.data["source"], report.data["input_name"], report.op) == ("input", "weights", "mul_")
    with torchinspect.nan_guard():
        dropped = nn.functional.dropout(torch.ones(1000), 0.5, training=True)  # bernoulli_ fills empty memory
    assert set(dropped.unique().tolist()) <= {0.0, 2.0}
