"""torchinspect.watch on the tensors a model may hand it in any layout: outputs that are views in
another order or of another dtype, parameters of several dtypes (the small ones read packed),
and the sparse gradients of an embedding: its numbers stay torch's, and training stays as it was."""

import contextlib
import copy
import math

import pytest
import torch
from torch import nn

import torchinspect
from torchinspect.training.statistics import SAMPLE, magnitude_histogram

pytestmark = pytest.mark.usefixtures("one_thread")


class Transposed(nn.Module):
    """Returns its input transposed (a view, not contiguous), in ``dtype``."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        self.dtype = dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.dtype).transpose(0, 1)


def unit_sample(output: torch.Tensor) -> torch.Tensor:
    """The sample docs/watch.md describes: the output as [examples, features], strided by
    features, then by examples, down to at most SAMPLE values."""
    table = output.reshape(output.shape[0], -1)
    rows, columns = table.shape
    row_step = -(-rows // SAMPLE) if rows > SAMPLE else 1
    column_step = max(1, -(-(rows // row_step) * columns // SAMPLE))
    return table[::row_step, ::column_step].float()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("shape", [(6, 5), (48, 40, 3)])  # whole, then sampled
def test_an_output_in_another_order_and_dtype_reads_as_torch_reads_it(dtype, shape):
    model = nn.Sequential(nn.Linear(shape[-1], shape[-1]), nn.ReLU(), Transposed(dtype))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    outputs = []
    model[2].register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().clone()))
    generator = torch.Generator().manual_seed(0)
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(2):
            optimizer.zero_grad()
            model(torch.randn(*shape, generator=generator)).float().square().mean().backward()
            optimizer.step()
            w.log()
    assert not outputs[0].is_contiguous()
    row = w.module_names.index("2")
    for column, output in enumerate(outputs):
        sample = unit_sample(output)
        mean, std, zeros, dead, nan, inf, nonfinite = w.history.activations()[column, row].tolist()
        assert (mean, std) == pytest.approx((sample.mean().item(), sample.std().item()), rel=1e-5)
        assert zeros == pytest.approx(sample.eq(0).float().mean().item())
        assert dead == pytest.approx(sample.eq(0).all(0).float().mean().item())
        assert (nan, inf, nonfinite) == (0, 0, 0)
        assert torch.equal(w.history.histograms()[column, row, 0], magnitude_histogram(sample.reshape(-1)))


class Scaled(nn.Module):
    """A layer and a float64 scale of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(4, 8)
        self.scale = nn.Parameter(torch.tensor([0.5, 2.0], dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x).double() * self.scale.sum()


def test_parameters_of_several_dtypes_keep_torch_s_norms():
    """The small parameters of the common dtype are read packed, the float64 one apart."""
    torch.manual_seed(0)
    model = Scaled()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    expected = []
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(2):
            optimizer.zero_grad()
            model(torch.randn(16, 4)).square().mean().backward()
            before = [p.detach().clone() for p in model.parameters()]
            grads = [p.grad.clone() for p in model.parameters()]
            optimizer.step()
            w.log()
            expected.append((before, grads, [p.detach().clone() for p in model.parameters()]))
    assert w.parameter_names == ["scale", "layer.weight", "layer.bias"]
    for column, (before, grads, after) in enumerate(expected):
        numbers = w.history.parameters()[column]
        for i in range(3):
            weight = torch.linalg.vector_norm(before[i]).item()
            assert numbers[i, 0].item() == pytest.approx(torch.linalg.vector_norm(grads[i]).item(), rel=1e-5)
            assert numbers[i, 1].item() == pytest.approx(weight, rel=1e-5)
            update = torch.linalg.vector_norm(after[i] - before[i]).item()
            assert numbers[i, 2].item() == pytest.approx(update / weight, rel=1e-4)


def test_an_embedding_s_sparse_gradient_is_read_and_training_goes_on_as_unwatched():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4, sparse=True), nn.Linear(4, 1))
    unwatched = copy.deepcopy(model)
    tokens = torch.tensor([1, 2, 2, 7])  # 2 twice: its rows of the gradient add up

    def train(trained, w=None):
        optimizer = torch.optim.SGD(trained.parameters(), lr=0.1)
        norms = []
        with torchinspect.watch(trained, optimizer, print_every=0) if w is None else contextlib.nullcontext() as w:
            for _ in range(3):
                optimizer.zero_grad()
                trained(tokens).square().sum().backward()
                norms.append(torch.linalg.vector_norm(trained[0].weight.grad.to_dense()).item())
                optimizer.step()
                if w is not None:
                    w.log()
        return norms, w

    norms, w = train(model)
    train(unwatched, w=False)
    for mine, theirs in zip(model.parameters(), unwatched.parameters()):
        assert torch.equal(mine, theirs)
    assert w.history.parameters()[:, w.parameter_names.index("0.weight"), 0].tolist() == pytest.approx(norms, rel=1e-5)


class ReadsBack(torch.utils._python_dispatch.TorchDispatchMode):
    """Counts the operations that bring a number back to Python (on an accelerator: a wait for the
    device), apart from those inside a read of the pending steps."""

    def __init__(self) -> None:
        super().__init__()
        self.reading = False
        self.outside_reads: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in (torch.ops.aten._local_scalar_dense.default, torch.ops.aten.is_nonzero.default) and not self.reading:
            self.outside_reads.append(str(func))
        return func(*args, **(kwargs or {}))


def test_a_recorded_step_s_hooks_bring_no_number_back_only_the_reads_do(monkeypatch):
    from torchinspect.training.pending import Pending

    mode = ReadsBack()
    read = Pending.read

    def marked_read(self, count):
        mode.reading = True
        try:
            return read(self, count)
        finally:
            mode.reading = False

    monkeypatch.setattr(Pending, "read", marked_read)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(8, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 512), nn.Linear(512, 1)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # several runs: the replay, packed biases
    batch = torch.randn(4, 8)
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(3):
            optimizer.zero_grad()
            loss = model(batch).square().mean()
            with mode:
                loss.backward()
                optimizer.step()
                w.log(loss)
                model(batch)  # the next forward: its hooks
        assert w.steps == 3
    assert mode.outside_reads == []


class RandomDepth(nn.Module):
    """Eight layers; those in ``skip`` are not run (their parameters get no gradient that step)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(4, 4) for _ in range(8))

    def forward(self, x: torch.Tensor, skip: set[int]) -> torch.Tensor:
        for index, layer in enumerate(self.layers):
            if index not in skip:
                x = torch.tanh(layer(x))
        return x


def test_outputs_of_a_new_shape_each_step_and_gradients_in_changing_patterns_keep_memory_bounded():
    """A sequence of a new length every step and layers dropped at random: a table of samples per
    output shape and a way of reading per pattern of gradients, yet no more than MOST_TABLES kept
    (300 of each before), and the last step's numbers are still torch's."""
    from torchinspect.training.pending import MOST_TABLES

    torch.manual_seed(0)
    model = RandomDepth()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    outputs = []
    model.layers[0].register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().clone()))
    generator = torch.Generator().manual_seed(1)
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for length in range(1, 301):
            skip = {i for i in range(1, 8) if torch.rand((), generator=generator) < 0.5}
            optimizer.zero_grad()
            model(torch.randn(length, 4, generator=generator), skip).square().mean().backward()
            grads = [None if p.grad is None else p.grad.clone() for p in model.parameters()]
            optimizer.step()
            w.log()
        pending = w._recorder._pending
        assert len(pending._samples) <= MOST_TABLES and len(pending._readings) <= MOST_TABLES
    last = outputs[-1]  # [300, 4]: sampled whole (1,200 values, strided by 2 columns)
    sample = last[:, ::2]
    mean, std = w.history.activations()[-1, w.module_names.index("layers.0"), :2].tolist()
    assert (mean, std) == pytest.approx((sample.mean().item(), sample.std().item()), rel=1e-5)
    norms = w.history.parameters()[-1, :, 0].tolist()
    for norm, grad in zip(norms, grads):
        if grad is None:  # a dropped layer's: no gradient that step
            assert math.isnan(norm)
        else:
            assert norm == pytest.approx(torch.linalg.vector_norm(grad).item(), rel=1e-5)
