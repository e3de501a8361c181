"""Why an op made a non-finite value from finite inputs, in a learner's words.

Each rule names the inputs that explain it (``log`` of a negative, ``0 / 0``) and counts them;
an op or kind without a rule reads "from finite inputs" (for Inf, an overflow).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

Mask = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# (op, kind) -> (what the counted inputs are, singular and plural; which they are).
_RULES: dict[tuple[str, str], tuple[str, str, Mask]] = {}


def _rule(ops: tuple[str, ...], kinds: tuple[str, ...], one: str, many: str, mask: Mask) -> None:
    for op in ops:
        for kind in kinds:
            _RULES[op, kind] = (one, many, mask)
            _RULES[op + "_", kind] = (one, many, mask)


_LOGS = ("log", "log2", "log10")
_rule(_LOGS + ("sqrt", "rsqrt"), ("nan",), "negative input", "negative inputs", lambda a, b: a < 0)
_rule(_LOGS, ("-inf",), "zero input", "zero inputs", lambda a, b: a == 0)
_rule(("rsqrt", "reciprocal"), ("+inf", "-inf"), "zero input", "zero inputs", lambda a, b: a == 0)
_rule(("log1p",), ("nan",), "input below -1", "inputs below -1", lambda a, b: a < -1)
_rule(("log1p",), ("-inf",), "input equal to -1", "inputs equal to -1", lambda a, b: a == -1)
_rule(("div",), ("nan",), "zero-over-zero division", "zero-over-zero divisions", lambda a, b: (a == 0) & (b == 0))
_rule(("div",), ("+inf", "-inf"), "division by zero", "divisions by zero", lambda a, b: (b == 0) & (a != 0))
_rule(("acos", "asin"), ("nan",), "input outside [-1, 1]", "inputs outside [-1, 1]", lambda a, b: a.abs() > 1)
_rule(
    ("pow",),
    ("nan",),
    "negative base with a fractional exponent",
    "negative bases with fractional exponents",
    lambda a, b: (a < 0) & (b != b.round()),
)
_rule(
    ("sub", "add"),
    ("nan",),
    "Inf meeting an opposite Inf",
    "Infs meeting opposite Infs",
    lambda a, b: a.isinf() & b.isinf(),
)


def reason(op: str, kind: str, operands: list[Any], output: torch.Tensor) -> str:
    """``"from 12 negative inputs"``: what in the inputs made the output's non-finite values."""
    rule = _RULES.get((op, kind))
    if rule is None and op in ("exp", "exp_") and kind == "+inf":
        limit = math.log(torch.finfo(output.dtype).max)
        rule = (f"input above {limit:.4g}", f"inputs above {limit:.4g}", lambda a, b: a > limit)
    counted = _count(rule[2], operands, output) if rule is not None else None
    if rule is None or not counted:
        return "from finite inputs" + (" (an overflow)" if kind != "nan" else "")
    return f"from {counted:,} {rule[0] if counted == 1 else rule[1]}"


def _count(mask: Mask, operands: list[Any], output: torch.Tensor) -> int | None:
    """How many elements the mask picks among the first two operands, broadcast as the op did."""
    values = [torch.as_tensor(operand, device=output.device) for operand in operands[:2]]
    if not values:
        return None
    first, second = values[0], values[-1]
    try:
        first, second = torch.broadcast_tensors(first, second)
        return int(mask(first, second).sum())
    except RuntimeError:
        return None
