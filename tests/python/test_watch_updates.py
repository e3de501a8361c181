"""The update a watch reads around ``optimizer.step()``: replayed for plain SGD, copied for the
rest, the same numbers bit for bit; a replay that something else made wrong is never shown."""

import importlib
import math

import pytest
import torch
from torch import nn

import torchinspect
from torchinspect.training.updates import cache_sized_groups

pytestmark = pytest.mark.usefixtures("one_thread")


class CopiedSGD(torch.optim.SGD):
    """Plain SGD under another class: the watch cannot know its step, so it copies the weights."""


class OpNames(torch.utils._python_dispatch.TorchDispatchMode):
    """The names of the tensor operations run while it is on."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(str(func))
        return func(*args, **(kwargs or {}))


def several_megabytes(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 256), nn.ReLU(), nn.Linear(256, 3))


def watched_run(optimizer_class, steps: int = 3):
    """A model of several runs of parameters trained by ``optimizer_class``: two parameter groups
    of their own rates, a frozen parameter and one the optimizer was not given."""
    model = several_megabytes()
    assert len(cache_sized_groups(list(model.parameters()))) >= 3  # several runs, or this tests less
    model[4].bias.requires_grad_(False)
    optimizer = optimizer_class(
        [{"params": [model[0].weight, model[0].bias, model[4].weight], "lr": 0.05}, {"params": [model[2].weight]}],
        lr=1e-3,
    )  # model[2].bias: not the optimizer's, yet it has a gradient
    generator = torch.Generator().manual_seed(1)
    expected, ops = [], OpNames()
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(steps):
            optimizer.zero_grad()
            model(torch.randn(8, 256, generator=generator)).square().mean().backward()
            before = [p.detach().clone() for p in model.parameters()]
            with ops:
                optimizer.step()
            w.log()
            expected.append([(b, p.detach().clone()) for b, p in zip(before, model.parameters())])
    return w.history.parameters(), expected, ops.names


def test_plain_sgd_s_update_is_replayed_and_equals_the_copied_update_bit_for_bit():
    replayed, expected, replay_ops = watched_run(torch.optim.SGD)
    copied, _, copy_ops = watched_run(CopiedSGD)
    assert "aten._foreach_copy_.default" not in replay_ops and "aten.add.out" in replay_ops  # no copy of the weights
    assert "aten._foreach_copy_.default" in copy_ops and "aten.add.out" not in copy_ops
    # Gradient, weight and update norms, every step, every parameter (the frozen bias has no gradient: NaN).
    torch.testing.assert_close(replayed, copied, rtol=0, atol=0, equal_nan=True)
    for column, weights in enumerate(expected):
        for i, (before, after) in enumerate(weights):
            weight, update = torch.linalg.vector_norm(before), torch.linalg.vector_norm(after - before)
            assert replayed[column, i, 1].item() == pytest.approx(weight.item(), rel=1e-5)
            assert replayed[column, i, 2].item() == pytest.approx((update / weight).item(), rel=1e-4)
    assert (replayed[:, [3, 5], 2] == 0).all()  # the bias the optimizer does not own, and the frozen one


def applied_ratios(model: nn.Module, step) -> list[float]:
    """Each parameter's ``|after - before| / |before|`` across ``step()``, computed by torch."""
    before = [p.detach().clone() for p in model.parameters()]
    step()
    return [
        (torch.linalg.vector_norm(p - b) / torch.linalg.vector_norm(b)).item()
        for b, p in zip(before, model.parameters())
    ]


def clip_weights(model: nn.Module):
    def clip(*_):
        for p in model.parameters():
            p.data.clamp_(-0.02, 0.02)  # through .data: no version bumped

    return clip


def clip_gradients(model: nn.Module):
    def clip(*_):
        nn.utils.clip_grad_norm_(model.parameters(), 1e-3)

    return clip


@pytest.mark.parametrize(
    "hook_before_the_watch, hook_after_the_watch",
    [
        (None, ("pre", clip_weights)),  # between the watch's pre-hook and the step
        (None, ("pre", clip_gradients)),
        (("post", clip_weights), None),  # between the step and the watch's post-hook
    ],
)
def test_another_hook_of_the_optimizer_makes_the_watch_copy_and_show_the_applied_update(
    hook_before_the_watch, hook_after_the_watch
):
    """A hook between the watch's own may write the weights through ``p.data``, which no version
    counter sees: the watch copies and shows the update applied, from the first step."""
    model = several_megabytes()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    register = {"pre": optimizer.register_step_pre_hook, "post": optimizer.register_step_post_hook}
    if hook_before_the_watch:
        register[hook_before_the_watch[0]](hook_before_the_watch[1](model))
    generator = torch.Generator().manual_seed(1)
    ratios, ops = [], OpNames()
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        if hook_after_the_watch:
            register[hook_after_the_watch[0]](hook_after_the_watch[1](model))
        for _ in range(3):
            optimizer.zero_grad()
            model(torch.randn(8, 256, generator=generator)).square().mean().backward()
            with ops:
                ratios.append(applied_ratios(model, optimizer.step))
            w.log()
    assert w.history.parameters()[:, :, 2].tolist() == [pytest.approx(row, rel=1e-4) for row in ratios]
    assert "aten.add.out" not in ops.names  # copied, never replayed


def test_a_step_given_a_closure_is_copied_and_shows_the_applied_update():
    """The closure runs inside the step, after the watch's pre-hook: here it writes new gradients
    and clips the weights through ``p.data``, which no version counter sees; never replayed."""
    model = several_megabytes()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(1)

    def closure():
        optimizer.zero_grad()
        loss = model(torch.randn(8, 256, generator=generator)).square().mean()
        loss.backward()
        clip_weights(model)()
        return loss

    closure()  # gradients before the first step, as in a loop of step(closure)
    ratios, ops = [], OpNames()
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(3):
            with ops:
                ratios.append(applied_ratios(model, lambda: optimizer.step(closure)))
            w.log()
    assert w.history.parameters()[:, :, 2].tolist() == [pytest.approx(row, rel=1e-4) for row in ratios]
    assert "aten.add.out" not in ops.names


def test_a_step_that_wrote_other_than_the_replay_assumed_is_unknown_and_the_weights_are_copied_from_then_on(
    monkeypatch,
):
    """The replay assumes torch's SGD adds to each parameter once and touches no gradient; a step
    that does otherwise (here, one more write to a weight) is NaN that step, never the replayed update."""
    sgd_module = importlib.import_module("torch.optim.sgd")  # torch.optim deletes its submodules' names
    plain_step = sgd_module.sgd

    def step_writing_twice(params, *args, **kwargs):
        plain_step(params, *args, **kwargs)
        params[0].mul_(0.5)

    monkeypatch.setattr(sgd_module, "sgd", step_writing_twice)
    model = several_megabytes()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(1)
    ratios = []
    with torchinspect.watch(model, optimizer, print_every=0) as w:
        for _ in range(3):
            optimizer.zero_grad()
            model(torch.randn(8, 256, generator=generator)).square().mean().backward()
            ratios.append(applied_ratios(model, optimizer.step))
            w.log()
    shown = w.history.parameters()[:, :, 2]
    assert math.isnan(shown[0, 0].item())  # never the replayed update the step did not apply
    for column in (1, 2):
        assert shown[column].tolist() == pytest.approx(ratios[column], rel=1e-4)
