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


def _cells(preview: dict) -> torch.Tensor:
    return torch.frombuffer(bytearray(preview["data"]), dtype=torch.float32).reshape(preview["shape"])


def test_the_heatmap_of_66_dimensions_shows_the_slice_torch_indexing_gives_at_any_axes_and_index() -> None:
    from torchinspect.tensor.preview import preview

    # Permuted, so the strides are not the contiguous ones, and offset into a larger storage.
    values = torch.randn([5] + [1] * 62 + [2, 3, 4])[1:].permute([65, *range(1, 63), 63, 64, 0])
    for axes, index in [(None, None), ((64, 63), [2] + [0] * 65), ((0, 65), [0] * 63 + [1, 2, 0])]:
        shown = preview(values, axes=axes, index=index)
        at = [0] * 66 if index is None else index
        picked = [slice(None) if axis in shown["axes"] else at[axis] for axis in range(66)]
        expected = values[tuple(picked)]
        expected = expected if shown["axes"][0] < shown["axes"][1] else expected.t()
        assert torch.equal(_cells(shown), expected)


def test_a_snapshot_of_60_001_dimensions_previews_its_last_two_axes_at_the_index_shown() -> None:
    values = torch.arange(24.0).reshape([1] * 59_998 + [2, 3, 4])
    preview = torchinspect.snapshot(values)["preview"]
    assert (preview["axes"], preview["shape"]) == ([59_999, 60_000], [3, 4])
    assert torch.equal(_cells(preview), values.reshape(2, 3, 4)[0])
