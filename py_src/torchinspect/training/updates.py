"""Each parameter's weight norm before the optimizer's step and the exact norm of the step's
update, read around ``optimizer.step()``.

In general the weights are copied before the step and subtracted from after it. Where they are
larger than the core's cache and of ``REPLAYED_BYTES`` or more on average, and the optimizer is
torch's plain SGD on the host (no momentum, weight decay or maximize, not fused, a number for
the learning rate), the step will do ``p.add_(p.grad, alpha=-lr)`` to each parameter that has a
gradient: the same kernel, applied before the step to a scratch buffer instead of the
parameter, makes the very weights the step will write (bit for bit: the same operation on the
same numbers), so the update and its norm are taken then, with the gradients' norms, while a
run of parameters and gradients is in the cache: no copy of the weights and no pass after the
step. A write through ``p.data`` bumps no version, so the replay is taken only where nothing
else of the user's runs between the watch's pre- and post-step hooks: no other hook of the
optimizer's own and no closure given to the step. After it, the parameters' and gradients'
versions tell whether the step wrote what the replay assumed (one in-place update of each
stepped parameter, no gradient touched); if not, that step's updates are unknown (NaN) and the
weights are copied from then on.

Both ways take the norms a run of about ``CACHED_BYTES`` of parameters at a time, while the run
is still in the core's cache (another pass over memory otherwise: the larger part of a recorded
step's cost on a model of several MB). The small parameters are neither: they are copied into
one flat tensor, their norms taken from it (``packing``).
"""

from __future__ import annotations

import math

import torch

from torchinspect.training.packing import Packed, flat, packable

CACHED_BYTES = 1 << 19
"""How many bytes of parameters are copied, or replayed, before their norms are taken: few enough
that the norms read them from the core's cache, enough that a few calls cover a model."""

REPLAYED_BYTES = 1 << 16
"""How large the parameters must be on average for the replay to cost less than the copy."""

Layout = tuple[torch.Size, torch.dtype, torch.device]


class StepUpdates:
    """The weight norms and update norms of one model's parameters, step after step."""

    def __init__(self) -> None:
        self._layouts: list[Layout] = []
        self._small: list[int] = []
        """The places of the parameters read packed (``packing``): copied, never replayed."""
        self._large: list[int] = []
        """The places of the others: read a run at a time, copied or replayed."""
        self._packed: Packed | None = None
        self._order = torch.zeros(0, dtype=torch.long)
        """Puts the small parameters' numbers, then the large ones', in the parameters' order."""
        self._groups: list[slice] = []
        """Runs of the large parameters (places in ``_large``)."""
        self._small_before: torch.Tensor | None = None
        self._copies: list[torch.Tensor] = []
        """The large weights before the step, then the step's update: one buffer per parameter,
        kept across steps (allocating them each step cost more than the copy)."""
        self._scratch: list[torch.Tensor] = []
        """Views of one buffer of a run's size: the weights the step will write, then the update."""
        self._replayed: torch.Tensor | None = None
        self._versions: list[int] = []
        self._gradients: list[tuple[torch.Tensor | None, int]] = []
        self._copying = False
        """Whether a replay was found wrong once: copy from then on."""

    def before_step(
        self, parameters: list[torch.Tensor], optimizer: torch.optim.Optimizer, *, closure: bool = False
    ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The weights' norms, and where the step can be replayed the large parameters'
        gradients' norms too (in the parameters' order, NaN for the rest), taken with it while
        the gradients are in the cache; the update's norms are then ready for ``after_step``. A
        step given a closure is never replayed: the closure runs inside it, after the replay, and
        may write the weights through ``p.data``."""
        if not parameters:
            return None, None
        layouts = [(p.shape, p.dtype, p.device) for p in parameters]
        if layouts != self._layouts:
            self._lay_out(parameters, layouts)
        small = self._pack_before(parameters)
        large = [parameters[i] for i in self._large]
        # Large parameters that fit in the cache, or many of a few KB, are copied: there the copy
        # costs less than the replay (G3's 19 large ones, 57 KB on average: a watched step 1.10x
        # a plain one copied, 1.15x replayed, in one run; G4's 470 KB on average: the replay
        # saves ~2 ms).
        replay = (
            not self._copying
            and len(self._groups) > 1
            and sum(p.numel() * p.element_size() for p in large) >= REPLAYED_BYTES * len(large)
            and not closure
            and _only_the_watch_hooks_the_step(optimizer)
        )
        rates = plain_sgd_rates(optimizer, parameters) if replay else None
        if rates is None:
            self._replayed = None
            return self._in_order(small, self._copy(large)), None
        weights, gradients = self._replay(parameters, rates)
        return self._in_order(small, weights), gradients

    def after_step(self, parameters: list[torch.Tensor]) -> torch.Tensor | None:
        """The norm of each parameter's update by the step just taken, or None if the parameters
        changed layout in between."""
        if not parameters or [(p.shape, p.dtype, p.device) for p in parameters] != self._layouts:
            return None
        small = self._pack_after(parameters)
        if self._replayed is not None:
            replayed, self._replayed = self._replayed, None
            if self._untouched_since_replay(parameters):
                return self._in_order(small, replayed)
            self._copying = True
            return self._in_order(small, torch.full_like(replayed, math.nan))
        if self._large and not self._copies:
            return None
        norms: list[torch.Tensor] = []
        for group in self._groups:
            before = self._copies[group]
            after = [parameters[i] for i in self._large[group]]
            torch._foreach_sub_(before, after)  # before - after: the update, negated
            norms += torch._foreach_norm(before)  # of the difference, still in the cache
        return self._in_order(small, torch.stack(norms) if norms else None)

    def close(self) -> None:
        self._copies, self._scratch, self._replayed, self._gradients, self._small_before = [], [], None, [], None

    def _lay_out(self, parameters: list[torch.Tensor], layouts: list[Layout]) -> None:
        self._layouts = layouts
        self._small = packable(parameters)
        packed = set(self._small)
        self._large = [i for i in range(len(parameters)) if i not in packed]
        self._packed = Packed([parameters[i] for i in self._small]) if self._small else None
        first = parameters[(self._small or self._large)[0]].device  # indexing with a host index copies it over
        self._order = torch.tensor(self._small + self._large).argsort().to(first)
        self._groups = cache_sized_groups([parameters[i] for i in self._large])
        self._copies, self._scratch, self._small_before = [], [], None

    def _in_order(self, small: torch.Tensor | None, large: torch.Tensor | None) -> torch.Tensor | None:
        if small is None or large is None:
            return large if small is None else small
        return torch.cat([small, large.to(small.device)])[self._order]

    def _pack_before(self, parameters: list[torch.Tensor]) -> torch.Tensor | None:
        if self._packed is None:
            return None
        self._small_before = flat([parameters[i] for i in self._small])
        return self._packed.norms(self._small_before)

    def _pack_after(self, parameters: list[torch.Tensor]) -> torch.Tensor | None:
        before, self._small_before = self._small_before, None
        if self._packed is None:
            return None
        if before is None:  # no step began: the numbers are not known
            return torch.full((self._packed.count,), math.nan, device=self._order.device)
        return self._packed.norms(before.sub_(flat([parameters[i] for i in self._small])))

    def _copy(self, large: list[torch.Tensor]) -> torch.Tensor | None:
        if not large:
            return None
        if not self._copies:
            self._copies = [torch.empty_like(p) for p in large]
        norms: list[torch.Tensor] = []
        for group in self._groups:
            before = self._copies[group]
            torch._foreach_copy_(before, large[group])
            norms += torch._foreach_norm(before)  # of the copy, still in the core's cache
        return torch.stack(norms)

    def _replay(self, parameters: list[torch.Tensor], rates: list[float | None]) -> tuple[torch.Tensor, torch.Tensor]:
        large = [parameters[i] for i in self._large]
        large_rates = [rates[i] for i in self._large]
        if not self._scratch:
            self._scratch = _scratch_views(large, self._groups)
        weights: list[torch.Tensor] = []
        gradients: list[torch.Tensor] = []
        graded: list[int] = []
        updates: list[torch.Tensor] = []
        for group in self._groups:
            stepped = [(i, rate) for i in range(group.start, group.stop) if (rate := large_rates[i]) is not None]
            scratch = [self._scratch[i] for i, _ in stepped]
            for (i, rate), after in zip(stepped, scratch):
                torch.add(large[i], large[i].grad, alpha=-rate, out=after)  # type: ignore[arg-type]  # the step's own op
            with_gradients = [i for i in range(group.start, group.stop) if large[i].grad is not None]
            gradients += torch._foreach_norm([large[i].grad for i in with_gradients])  # type: ignore[misc]
            graded += with_gradients
            weights += torch._foreach_norm(large[group])
            torch._foreach_sub_(scratch, [large[i] for i, _ in stepped])  # after - before
            norms = dict(zip((i for i, _ in stepped), torch._foreach_norm(scratch)))
            updates += [norms[i] if i in norms else weights[i].new_zeros(()) for i in range(group.start, group.stop)]
        self._replayed = torch.stack(updates)
        self._versions = [p._version + (rate is not None) for p, rate in zip(parameters, rates)]
        self._gradients = [(p.grad, -1 if p.grad is None else p.grad._version) for p in parameters]
        gradient_norms = torch.full((len(parameters),), math.nan, device=large[0].device)
        if graded:
            gradient_norms[[self._large[i] for i in graded]] = torch.stack(gradients).to(gradient_norms.dtype)
        return torch.stack(weights), gradient_norms

    def _untouched_since_replay(self, parameters: list[torch.Tensor]) -> bool:
        """Whether the step alone wrote to the parameters (one in-place update each where it had
        a gradient) and nothing to their gradients."""
        for p, version, (grad, grad_version) in zip(parameters, self._versions, self._gradients):
            if p._version != version or p.grad is not grad or grad is not None and grad._version != grad_version:
                return False
        return True


def plain_sgd_rates(optimizer: torch.optim.Optimizer, parameters: list[torch.Tensor]) -> list[float | None] | None:
    """Per parameter, the learning rate plain SGD will step it with (None: not stepped), or None
    if the optimizer's step is anything else than ``p.add_(p.grad, alpha=-lr)`` on host tensors.

    Example:
        >>> p, q = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))
        >>> p.grad = torch.ones(2)
        >>> plain_sgd_rates(torch.optim.SGD([p, q], lr=0.1), [p, q])
        [0.1, None]
        >>> print(plain_sgd_rates(torch.optim.SGD([p], lr=0.1, momentum=0.9), [p]))
        None
    """
    if type(optimizer) is not torch.optim.SGD:
        return None
    rate_of: dict[int, float] = {}
    for group in optimizer.param_groups:
        lr = group["lr"]
        plain = not (group["momentum"] or group["weight_decay"] or group["maximize"])
        if not plain or group.get("fused") or group.get("differentiable") or type(lr) not in (float, int):
            return None
        rate_of.update((id(p), float(lr)) for p in group["params"])
    rates: list[float | None] = []
    for p in parameters:
        grad, rate = p.grad, rate_of.get(id(p))
        if grad is None or rate is None:
            rates.append(None)
        elif _replayable(p, grad):
            rates.append(rate)
        else:
            return None
    return rates


def _only_the_watch_hooks_the_step(optimizer: torch.optim.Optimizer) -> bool:
    """Whether the watch's own pre- and post-step hooks are the optimizer's only ones. Another
    hook of this optimizer may run between them (torch runs the global hooks before every
    pre-hook and after every post-hook: outside the pair) and may write the weights through
    ``p.data``, which bumps no version: the check after the step could not see it, and the
    replayed update would be shown instead of the applied one. The copy sees every write."""
    return len(optimizer._optimizer_step_pre_hooks) == 1 and len(optimizer._optimizer_step_post_hooks) == 1


def _replayable(p: torch.Tensor, grad: torch.Tensor) -> bool:
    return (
        p.device.type == "cpu"
        and grad.layout == torch.strided
        and grad.device == p.device
        and grad.dtype == p.dtype
        and grad.shape == p.shape
        and p.is_contiguous()
        and grad.is_contiguous()
    )


def _scratch_views(parameters: list[torch.Tensor], groups: list[slice]) -> list[torch.Tensor]:
    """Per parameter, a view of its shape into one buffer per dtype, as large as a run: a run's
    parameters take separate places in it, every run the same places."""
    sizes: dict[torch.dtype, int] = {}
    for group in groups:
        for dtype in {p.dtype for p in parameters[group]}:
            taken = sum(p.numel() for p in parameters[group] if p.dtype == dtype)
            sizes[dtype] = max(sizes.get(dtype, 0), taken)
    buffers = {dtype: torch.empty(size, dtype=dtype) for dtype, size in sizes.items()}
    views: list[torch.Tensor] = []
    for group in groups:
        offsets = dict.fromkeys(buffers, 0)
        for p in parameters[group]:
            start = offsets[p.dtype]
            views.append(buffers[p.dtype][start : start + p.numel()].view(p.shape))
            offsets[p.dtype] = start + p.numel()
    return views


def cache_sized_groups(tensors: list[torch.Tensor], size: int = CACHED_BYTES) -> list[slice]:
    """Runs of consecutive ``tensors``, each ended by the tensor that brings it to ``size`` bytes.

    Example:
        >>> cache_sized_groups([torch.zeros(100), torch.zeros(100), torch.zeros(300)], size=800)
        [slice(0, 2, None), slice(2, 3, None)]
    """
    groups, start, taken = [], 0, 0
    for index, tensor in enumerate(tensors):
        taken += tensor.numel() * tensor.element_size()
        if taken >= size:
            groups.append(slice(start, index + 1))
            start, taken = index + 1, 0
    if start < len(tensors):
        groups.append(slice(start, len(tensors)))
    return groups
