import pytest
import torch

import torchinspect
from snapshot_cases import CASES
from torchinspect.text import static_html


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("leaf_requiring_grad", "tensor[20] float32 cpu requires_grad leaf grad=None"),
        ("leaf_with_grad", "tensor[3] float32 cpu requires_grad leaf grad=tensor[3]"),
        ("intermediate", "tensor[2, 3] float32 cpu requires_grad grad_fn=MulBackward0"),
        ("retained_intermediate", "tensor[2] float32 cpu requires_grad grad_fn=MulBackward0 grad=tensor[2]"),
        ("constant_matrix", "tensor[20, 20] float32 cpu"),
        ("scalar_int", "tensor[] int64 cpu"),
        ("meta", "tensor[4, 5] float32 meta"),
        ("nested_ragged", "tensor[2, *, 3] float32 cpu"),
    ],
)
def test_summary_is_one_line_in_torch_s_words(case, line):
    assert torchinspect.summary(CASES[case]()) == line


def test_named_snapshot_summary_starts_with_the_name():
    snap = torchinspect.snapshot(torch.zeros(2), name="w")
    assert snap["summary"] == "w: tensor[2] float32 cpu"


def test_summary_refuses_a_non_tensor():
    with pytest.raises(TypeError, match=r"torchinspect\.summary\(\) takes a torch\.Tensor"):
        torchinspect.summary(None)


def test_static_html_shows_every_card_field():
    page = static_html(torchinspect.snapshot(CASES["leaf_with_grad"](), name="x"))
    for text in ["x: tensor[3] float32 cpu", "requires_grad", "is_leaf", "grad_fn", "tensor[3] float32 cpu"]:
        assert text in page


def test_static_html_escapes_names():
    page = static_html(torchinspect.snapshot(torch.zeros(1), name="<img src=x onerror=alert(1)>"))
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
