"""What a watch says in words: exploding and vanishing gradients by layer, updates too large
for the weights (a learning rate too high), dead units, and where the first NaN or Inf came.

Read from the last recorded column, and, for NaN and Inf, from the first step that had one
(kept exactly, never merged away).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from torchinspect.training.recorder import FirstNonFinite
from torchinspect.training.statistics import ACTIVATION_FIELDS

EXPLODING = 10.0
"""A gradient whose norm is this many times its weights' norm (and above 1) is exploding."""
VANISHING = 1e-7
"""A gradient whose norm is under this share of its weights' norm is vanishing."""
LARGE_UPDATE = 0.1
"""An optimizer step that moves the weights by this share of their norm or more is too large
(a healthy step is around 1e-3 of the weights)."""
DEAD = 0.5
"""A module whose units are zero for the whole batch in this share or more has dead units."""


def flags(
    names: list[str], modules: list[str], latest: torch.Tensor, activations: torch.Tensor, first: FirstNonFinite | None
) -> list[dict[str, Any]]:
    """The flags of the last column: ``latest`` is [parameters, (grad, weight, update ratio)]
    and ``activations`` [modules, ACTIVATION_FIELDS].

    Example:
        >>> latest = torch.tensor([[50.0, 2.0, 0.5], [1.0, 1.0, 0.001]])
        >>> [flag["kind"] for flag in flags(["a.weight", "b.weight"], [], latest, torch.zeros(0, 7), None)]
        ['exploding', 'large-update']
    """
    found = []
    if first is not None:
        found.append(_nonfinite(first))
    grad, weight, ratio = (latest[:, i].tolist() for i in range(3))
    exploding = [n for n, g, w in zip(names, grad, weight) if math.isfinite(g) and g > 1 and g > EXPLODING * w]
    if exploding:
        found.append(
            _flag("exploding", "Exploding gradients", exploding, _exploding_text(names, grad, weight, exploding))
        )
    vanishing = [n for n, g, w in zip(names, grad, weight) if math.isfinite(g) and w > 0 and g < VANISHING * w]
    if vanishing:
        found.append(
            _flag(
                "vanishing",
                "Vanishing gradients",
                vanishing,
                f"their gradient is under {VANISHING:g} of their weights' norm: almost nothing reaches them "
                "(saturated activations such as sigmoid or tanh, or a deep stack without normalization)",
            )
        )
    large = [n for n, r in zip(names, ratio) if math.isfinite(r) and r >= LARGE_UPDATE]
    if large:
        worst = max(r for r in ratio if math.isfinite(r))
        found.append(
            _flag(
                "large-update",
                "Updates too large",
                large,
                f"one optimizer step moved them by up to {worst:.3g} of their norm (a healthy step is "
                "around 0.001): the learning rate is likely too high",
            )
        )
    dead_index = ACTIVATION_FIELDS.index("dead")
    dead = [
        (m or "the model", share) for m, share in zip(modules, activations[:, dead_index].tolist()) if share >= DEAD
    ]
    if dead:
        found.append(
            _flag(
                "dead",
                "Dead units",
                [m for m, _ in dead],
                f"up to {max(s for _, s in dead):.0%} of their units output zero for every example of the batch "
                "(ReLUs that stopped firing; a lower learning rate or LeakyReLU helps)",
            )
        )
    return found


def _nonfinite(first: FirstNonFinite) -> dict[str, Any]:
    text = (
        f"{first.kind} first appeared at step {first.step}, in {first.where}. To find the op that made it, "
        f"run that step's code under torchinspect.find_nan(step_fn) (it stops at the first op whose output "
        "is not finite)."
    )
    return {"kind": "nonfinite", "title": f"{first.kind} at step {first.step}", "where": [first.where], "text": text}


def _exploding_text(names: list[str], grad: list[float], weight: list[float], exploding: list[str]) -> str:
    worst = max(exploding, key=lambda n: grad[names.index(n)] / max(weight[names.index(n)], 1e-30))
    g, w = grad[names.index(worst)], weight[names.index(worst)]
    return (
        f"their gradient's norm is more than {EXPLODING:g}× their weights' (‖grad‖ = {g:.3g} against "
        f"‖w‖ = {w:.3g} for {worst}): lower the learning rate, or clip with torch.nn.utils.clip_grad_norm_"
    )


def _flag(kind: str, title: str, where: list[str], text: str) -> dict[str, Any]:
    shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
    return {"kind": kind, "title": f"{title}: {shown}", "where": where, "text": text}
