"""Two tensors side by side: their snapshots, their difference, and assert_close's verdict.

The lesson checks a gradient against its closed form with ``torch.testing.assert_close``;
``compare`` shows that check: what each tensor holds, where they differ, by how much, and
the tolerances the verdict used.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.testing._comparison import default_tolerances

from torchinspect.graph.long_texts import short_text
from torchinspect.protocol import json_float
from torchinspect.tensor.long_shapes import sent_snapshot
from torchinspect.tensor.many_dims import TORCH_MAX_DIMS, within_torch_dims
from torchinspect.tensor.snapshot import require_tensor, snapshot
from torchinspect.tensor.values import WIDENED, has_arithmetic

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
    names = _short_names(names)
    actual = _comparable(require_tensor(actual, "compare"), names[0])
    expected = _comparable(require_tensor(expected, "compare"), names[1])
    if (rtol is None) != (atol is None):
        raise ValueError("torchinspect: give both rtol and atol, or neither (the dtype's defaults)")
    if rtol is None or atol is None:
        rtol, atol = default_tolerances(actual, expected)
    difference = _difference(actual, expected)
    return {
        "schema": SCHEMA,
        "actual": sent_snapshot(snapshot(actual, name=names[0])),
        "expected": sent_snapshot(snapshot(expected, name=names[1])),
        "difference": None
        if difference is None
        else sent_snapshot(snapshot(difference, name=short_text(f"{names[0]} − {names[1]}"))),
        "verdict": _verdict(actual, expected, difference, rtol, atol),
    }


MAX_ELEMENTS = 1 << 28
"""The most elements compared at once: the difference and the verdict each take that many."""


def _short_names(names: object) -> tuple[str, str]:
    """The two names, each shortened as the graph's are (``short_text``): the widget's state is
    saved in the notebook, and one name of 100,000 characters made it 403 KB."""
    if not (isinstance(names, (tuple, list)) and len(names) == 2 and all(isinstance(name, str) for name in names)):
        raise TypeError(f"torchinspect: names must be two strings such as ('x.grad', 'expected'), got {names!r:.80}.")
    return short_text(names[0]), short_text(names[1])


def _comparable(tensor: torch.Tensor, name: str) -> torch.Tensor:
    """The tensor, detached, or a ValueError that names what compare cannot take and what to do."""
    if tensor.device.type == "meta":
        raise ValueError(
            f"torchinspect.compare() needs values: {name} is a meta tensor, which has a shape but no values"
        )
    if tensor.is_nested:
        raise ValueError(
            f"torchinspect.compare() takes dense or sparse tensors; {name} is a nested tensor: "
            "compare its components, such as compare(a.unbind()[0], b.unbind()[0])"
        )
    if not has_arithmetic(tensor.dtype):
        raise ValueError(
            f"torchinspect.compare() needs numbers: torch has no arithmetic for {name}'s dtype {tensor.dtype}"
        )
    if tensor.numel() > MAX_ELEMENTS:
        raise ValueError(
            f"torchinspect.compare() compares at most {MAX_ELEMENTS:,} elements at once; {name} has "
            f"{tensor.numel():,}: compare a slice, such as compare(a[:1000], b[:1000])"
        )
    return tensor.detach()


def _numbers(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor in a dtype that subtracts: quantized dequantized, bool as int8, 8-bit floats as
    float32, unsigned as values.WIDENED says."""
    if tensor.is_quantized:
        return tensor.dequantize()
    if tensor.dtype in WIDENED:
        return tensor.to(WIDENED[tensor.dtype])
    if tensor.dtype == torch.bool:
        return tensor.to(torch.int8)
    if tensor.dtype.is_floating_point and tensor.dtype.itemsize == 1:
        return tensor.to(torch.float32)
    return tensor


def _difference(actual: torch.Tensor, expected: torch.Tensor) -> torch.Tensor | None:
    if actual.shape != expected.shape or actual.layout != torch.strided or expected.layout != torch.strided:
        return None
    actual, expected = _numbers(actual), _numbers(expected)
    with torch.no_grad():
        return actual.to(torch.promote_types(actual.dtype, expected.dtype)) - expected


FLAT_INDICES = (
    f"\n(The indices are into the flattened tensors: assert_close takes at most {TORCH_MAX_DIMS} dimensions.)"
)


def _verdict(
    actual: torch.Tensor, expected: torch.Tensor, difference: torch.Tensor | None, rtol: float, atol: float
) -> dict[str, Any]:
    flat = actual.shape == expected.shape and actual.dim() > TORCH_MAX_DIMS
    try:
        if flat:  # assert_close takes at most 64 dims; its verdict is elementwise, so flat is the same one
            torch.testing.assert_close(within_torch_dims(actual), within_torch_dims(expected), rtol=rtol, atol=atol)
        else:
            torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol)
        message = None
    except AssertionError as error:
        message = str(error) + (FLAT_INDICES if flat else "")
    errors: dict[str, float | str | int | None] = {"max_abs_error": None, "max_rel_error": None, "mismatched": None}
    if difference is not None and difference.numel() > 0:
        with torch.no_grad():
            absolute = difference.abs().double()
            magnitude = _numbers(expected).abs().double()
            allowed = atol + rtol * magnitude
            # As assert_close reports it: a difference from an expected 0 is infinitely relative.
            relative = torch.where(absolute == 0, 0.0, absolute / magnitude)
            errors = {
                "max_abs_error": json_float(float(absolute.nan_to_num(nan=0.0, posinf=math.inf).max())),
                "max_rel_error": json_float(float(relative.nan_to_num(nan=0.0, posinf=math.inf).max())),
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
