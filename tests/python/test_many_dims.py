"""Tensors of more than 64 dimensions, past what torch.isfinite and assert_close take: find_nan
and compare flatten where their answer is elementwise, and give torch's answer on the flat tensors."""

from __future__ import annotations

import torch

import torchinspect
from torchinspect.tensor.comparison import FLAT_INDICES

SHAPE = [1] * 64 + [2, 3]  # 66 dimensions


class SquareRoot(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * 2).sqrt()


def test_find_nan_finds_the_first_nan_of_a_tensor_of_66_dimensions() -> None:
    values = torch.tensor([[1.0, 4.0, -1.0], [-9.0, 2.0, 3.0]])
    report = torchinspect.find_nan(SquareRoot(), values.reshape(SHAPE))
    assert (report.found, report.op, report.kind, report.module) == (True, "sqrt", "nan", "")  # the root module
    flat = (values * 2).sqrt().reshape(-1)
    first = int(flat.isnan().to(torch.uint8).argmax())
    assert report.data["index"] == [0] * 64 + [first // 3, first % 3]
    assert report.data["counts"]["nan"] == int(flat.isnan().sum()) == 2
    assert report.sentence.endswith("made 2 NaN from 2 negative inputs, e.g. sqrt(-2)")
    assert report.output["snapshot"]["shape"] == SHAPE


def test_find_nan_says_a_nan_was_already_in_the_input_of_66_dimensions() -> None:
    report = torchinspect.find_nan(SquareRoot(), torch.tensor([1.0, float("nan"), 2.0]).reshape([1] * 65 + [3]))
    assert (report.op, report.kind) == ("mul", "nan")
    assert report.sentence.endswith("read NaN already in its input self")


def test_compare_of_66_dimensions_gives_assert_close_verdict_on_the_flat_tensors() -> None:
    actual = torch.arange(6.0).reshape(SHAPE)
    expected = actual.clone()
    expected.reshape(-1)[4] += 0.5
    verdict = torchinspect.compare(actual, expected).comparison["verdict"]
    try:
        torch.testing.assert_close(actual.reshape(-1), expected.reshape(-1))
    except AssertionError as error:
        oracle = str(error)
    assert verdict["passed"] is False and verdict["message"] == oracle + FLAT_INDICES
    assert "Mismatched elements: 1 / 6" in verdict["message"]
    assert (verdict["mismatched"], verdict["total"], verdict["max_abs_error"]) == (1, 6, 0.5)
    assert torchinspect.compare(actual, actual.clone()).comparison["verdict"]["passed"] is True


def test_compare_of_different_shapes_past_64_dimensions_says_the_shapes_differ() -> None:
    verdict = torchinspect.compare(torch.ones(SHAPE), torch.ones([1] * 65 + [6])).comparison["verdict"]
    assert verdict["passed"] is False and "shape" in verdict["message"].lower()
    assert FLAT_INDICES not in verdict["message"]
