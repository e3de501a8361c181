"""Two tensors side by side: their snapshots, their difference, and assert_close's verdict.

The lesson checks a gradient against its closed form with ``torch.testing.assert_close``;
``compare`` shows that check: what each tensor holds, where they differ, by how much, and
the tolerances the verdict used.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.testing._comparison import default_tolerances

from torchinspect.tensor.snapshot import require_tensor, snapshot

SCHEMA = "torchinspect.comparison/1"

Tolerance = float | None
"""A tolerance of ``assert_close``; None takes the dtype's default."""


def comparison(
    actual: torch.Tensor,
    expected: torch.Tensor,
    *,
    rtol: Tolerance = None,
    atol: Tolerance = None,
    names: tuple[str, str] = ("actual", "expected"),
) -> dict[str, Any]:
    """The data ``compare`` shows: both snapshots, the difference's, and the verdict.

    The verdict is ``torch.testing.assert_close(actual, expected, rtol=..., atol=...)``'s own
    (its message when it fails), with the tolerances it used (the dtype's defaults unless
    given), the greatest absolute and relative differences, and how many elements are out
    of tolerance.

    Example:
        >>> import torch
        >>> from torchinspect.tensor.comparison import comparison
        >>> verdict = comparison(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]))["verdict"]
        >>> verdict["passed"], verdict["mismatched"], round(verdict["max_abs_error"], 3)
        (False, 1, 0.1)
    """
    actual = require_tensor(actual, "compare").detach()
    expected = require_tensor(expected, "compare").detach()
    if (rtol is None) != (atol is None):
        raise ValueError("torchinspect: give both rtol and atol, or neither (the dtype's defaults)")
    if rtol is None or atol is None:
        rtol, atol = default_tolerances(actual, expected)
    difference = _difference(actual, expected)
    return {
        "schema": SCHEMA,
        "actual": snapshot(actual, name=names[0]),
        "expected": snapshot(expected, name=names[1]),
        "difference": None if difference is None else snapshot(difference, name=f"{names[0]} − {names[1]}"),
        "verdict": _verdict(actual, expected, difference, rtol, atol),
    }


def _difference(actual: torch.Tensor, expected: torch.Tensor) -> torch.Tensor | None:
    if actual.shape != expected.shape or actual.layout != torch.strided or expected.layout != torch.strided:
        return None
    with torch.no_grad():
        return actual.to(torch.promote_types(actual.dtype, expected.dtype)) - expected


def _verdict(
    actual: torch.Tensor, expected: torch.Tensor, difference: torch.Tensor | None, rtol: float, atol: float
) -> dict[str, Any]:
    try:
        torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol)
        message = None
    except AssertionError as error:
        message = str(error)
    errors: dict[str, float | None] = {"max_abs_error": None, "max_rel_error": None, "mismatched": None}
    if difference is not None and difference.numel() > 0:
        with torch.no_grad():
            absolute = difference.abs().double()
            allowed = atol + rtol * expected.abs().double()
            relative = absolute / expected.abs().double()
            errors = {
                "max_abs_error": float(absolute.nan_to_num(nan=0.0).max()),
                "max_rel_error": float(relative.nan_to_num(nan=0.0, posinf=0.0).max()),
                "mismatched": int((~(absolute <= allowed)).sum()),
            }
    return {
        "passed": message is None,
        "message": message,
        "rtol": rtol,
        "atol": atol,
        "total": actual.numel(),
        **errors,
    }
