import json
import math
import re

import pytest
import torch

from torchinspect import compare
from torchinspect.tensor.comparison import comparison


def assert_close_passes(actual, expected, **tolerances) -> bool:
    try:
        torch.testing.assert_close(actual, expected, **tolerances)
    except AssertionError:
        return False
    return True


def test_the_lessons_closed_form_check_is_close():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    (0.5 * torch.dot(x, A @ x)).backward()
    data = compare(x.grad, 0.5 * (A + A.T) @ x.detach(), names=("x.grad", "½(A + Aᵀ)x")).comparison
    assert data["verdict"]["passed"] is True
    assert (data["verdict"]["rtol"], data["verdict"]["atol"]) == (1.3e-6, 1e-5)
    assert data["actual"]["name"] == "x.grad" and data["expected"]["name"] == "½(A + Aᵀ)x"
    assert data["difference"]["statistics"]["max"] <= 1e-5


@pytest.mark.parametrize("scale", [0.0, 1e-7, 1e-5, 1e-3, 1.0])
def test_the_verdict_is_assert_closes_own(scale):
    torch.manual_seed(1)
    expected = torch.randn(50)
    actual = expected + scale * torch.randn(50)
    verdict = comparison(actual, expected)["verdict"]
    assert verdict["passed"] == assert_close_passes(actual, expected)
    difference = (actual - expected).abs().double()
    assert verdict["max_abs_error"] == pytest.approx(difference.max().item())
    allowed = 1e-5 + 1.3e-6 * expected.abs().double()
    assert verdict["mismatched"] == int((difference > allowed).sum())
    assert (verdict["message"] is None) == verdict["passed"]


def test_tolerances_given_are_used():
    verdict = comparison(torch.tensor([1.0]), torch.tensor([1.1]), rtol=0.2, atol=0.0)["verdict"]
    assert verdict["passed"] and (verdict["rtol"], verdict["atol"]) == (0.2, 0.0)


def test_half_of_the_tolerances_is_refused():
    with pytest.raises(ValueError, match="give both rtol and atol"):
        comparison(torch.ones(1), torch.ones(1), rtol=0.1)


def test_different_shapes_are_not_close_and_have_no_difference():
    data = comparison(torch.ones(3), torch.ones(4))
    assert data["difference"] is None and data["verdict"]["passed"] is False
    assert "shape" in data["verdict"]["message"].lower()


def test_nan_in_both_counts_as_a_mismatch_as_assert_close_says():
    a = torch.tensor([1.0, math.nan])
    verdict = comparison(a, a.clone())["verdict"]
    assert verdict["passed"] is False and verdict["mismatched"] == 1


def test_a_non_tensor_is_refused():
    with pytest.raises(TypeError, match=r"torchinspect\.compare\(\) takes a torch\.Tensor"):
        compare([1.0], torch.ones(1))


def test_the_text_form_states_the_verdict():
    data, _ = compare(torch.ones(2), torch.zeros(2))._repr_mimebundle_()
    assert data["text/plain"].startswith("not close: Tensor-likes are not close! (2 of 2 elements)")


def test_a_difference_from_an_expected_zero_is_infinitely_relative_as_assert_close_says():
    verdict = comparison(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 0.0, 1.0]))["verdict"]
    assert "Greatest relative difference: inf" in verdict["message"]
    assert verdict["max_rel_error"] == "inf" and verdict["max_abs_error"] == 1.0
    json.dumps(verdict, allow_nan=False)


@pytest.mark.parametrize("dtype", [torch.bool, torch.uint16, torch.uint32, torch.uint64, torch.float8_e4m3fn, torch.int8])
def test_every_dtype_with_arithmetic_is_compared(dtype):
    verdict = comparison(torch.tensor([1, 0, 1]).to(dtype), torch.tensor([1, 1, 0]).to(dtype))["verdict"]
    assert (verdict["passed"], verdict["mismatched"], verdict["max_abs_error"]) == (False, 2, 1.0)


def test_quantized_tensors_are_compared_by_their_values():
    quantized = torch.quantize_per_tensor(torch.tensor([0.5, 1.0]), 0.1, 0, torch.qint8)
    assert comparison(quantized, quantized)["verdict"]["passed"]


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda: torch.empty(3, device="meta"), "actual is a meta tensor, which has a shape but no values"),
        (lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]), "actual is a nested tensor: compare its components"),
        (lambda: torch.ones(1).expand(10**10), "compares at most 268,435,456 elements at once; actual has 10,000,000,000"),
        (lambda: torch.zeros(2, dtype=torch.uint8).view(torch.bits8), "torch has no arithmetic for actual's dtype torch.bits8"),
    ],
)
def test_what_compare_cannot_take_is_refused_with_what_to_do(make, says):
    tensor = make()
    with pytest.raises(ValueError, match=re.escape(says)):
        comparison(tensor, tensor)
