import pytest
import torch

import torchinspect
from snapshot_cases import CASES
from torchinspect.tensor.text import static_html


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("leaf_requiring_grad", "tensor[20] float32 cpu all=0 requires_grad leaf grad=None"),
        ("leaf_with_grad", "tensor[3] float32 cpu ∈[0, 2] μ=1 σ=1 requires_grad leaf grad=tensor[3]"),
        ("intermediate", "tensor[2, 3] float32 cpu all=2 requires_grad grad_fn=MulBackward0"),
        ("retained_intermediate", "tensor[2] float32 cpu all=3 requires_grad grad_fn=MulBackward0 grad=tensor[2]"),
        ("constant_matrix", "tensor[20, 20] float32 cpu all=0"),
        ("scalar_int", "tensor[] int64 cpu =7"),
        ("meta", "tensor[4, 5] float32 meta"),
        ("nested_ragged", "tensor[2, *, 3] float32 cpu all=0"),
    ],
)
def test_summary_is_one_line_in_torch_s_words(case, line):
    assert torchinspect.summary(CASES[case]()) == line


def test_named_snapshot_summary_starts_with_the_name():
    snap = torchinspect.snapshot(torch.zeros(2), name="w")
    assert snap["summary"] == "w: tensor[2] float32 cpu all=0"


def test_summary_refuses_a_non_tensor():
    with pytest.raises(TypeError, match=r"torchinspect\.summary\(\) takes a torch\.Tensor"):
        torchinspect.summary(None)


def test_static_html_shows_every_card_field():
    page = static_html(torchinspect.snapshot(CASES["leaf_with_grad"](), name="x"))
    for text in ["x: tensor[3] float32 cpu ∈[0, 2]", "requires_grad", "is_leaf", "grad_fn", "tensor[3] float32 cpu ∈[0, 2] μ=1 σ=1<"]:
        assert text in page


def test_static_html_escapes_names():
    page = static_html(torchinspect.snapshot(torch.zeros(1), name="<img src=x onerror=alert(1)>"))
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([1.0, float("nan"), float("inf"), -float("inf"), 3.0], "∈[1, 3] μ=2 σ=1.414 NaN×1 +Inf×1 -Inf×1"),
        ([float("nan")] * 2, "NaN×2"),
        ([1.23456789, 2.0], "∈[1.235, 2] μ=1.617 σ=0.5412"),
    ],
)
def test_summary_states_the_statistics_and_flags_nan_and_inf(values, words):
    assert torchinspect.summary(torch.tensor(values)) == f"tensor[{len(values)}] float32 cpu {words}"


def test_summary_of_complex_values_is_of_their_magnitude():
    assert torchinspect.summary(torch.tensor([3 + 4j, 0j])) == "tensor[2] complex64 cpu |·|∈[0, 5] μ=2.5 σ=3.536"


def test_summary_of_an_empty_tensor_says_so():
    assert torchinspect.summary(torch.empty(0, 3)) == "tensor[0, 3] float32 cpu empty"
