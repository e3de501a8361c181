import gc
import json
import pathlib
import warnings
import weakref

import jsonschema
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import torchinspect
from snapshot_cases import CASES

SCHEMA = json.loads(
    (pathlib.Path(torchinspect.__file__).parent / "schema" / "tensor-1.json").read_text()
)
FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "snapshots.json"


def test_leaf_that_requires_grad_reports_its_autograd_state():
    x = torch.randn(20, requires_grad=True)
    snap = torchinspect.snapshot(x, name="x")
    assert snap["schema"] == "torchinspect.tensor/1"
    assert snap["name"] == "x"
    assert snap["shape"] == [20]
    assert snap["dtype"] == "float32"
    assert snap["device"] == "cpu"
    assert snap["requires_grad"] is True
    assert snap["is_leaf"] is True
    assert snap["grad_fn"] is None
    assert snap["grad"] is None


def test_result_of_an_operation_names_its_grad_fn():
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    snap = torchinspect.snapshot(y)
    assert snap["shape"] == []
    assert snap["is_leaf"] is False
    assert snap["grad_fn"] == "MulBackward0"


def test_grad_after_backward_is_snapshotted_with_the_leaf():
    x = CASES["leaf_with_grad"]()
    grad = torchinspect.snapshot(x)["grad"]
    assert grad["shape"] == [3]
    assert grad["dtype"] == "float32"
    assert grad["requires_grad"] is False
    assert grad["summary"] == "tensor[3] float32 cpu"


def test_retained_grad_of_an_intermediate_is_shown():
    snap = torchinspect.snapshot(CASES["retained_intermediate"]())
    assert snap["is_leaf"] is False
    assert snap["grad"]["shape"] == [2]


def test_intermediate_without_retained_grad_raises_no_warning():
    y = CASES["intermediate"]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torchinspect.snapshot(y)["grad"] is None


def test_ragged_dimension_of_a_nested_tensor_is_null():
    assert torchinspect.snapshot(CASES["nested_ragged"]())["shape"] == [2, None, 3]


def test_meta_tensor_snapshots_without_data():
    snap = torchinspect.snapshot(CASES["meta"]())
    assert snap["device"] == "meta"
    assert snap["shape"] == [4, 5]


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.zeros(3, dtype=torch.bool),
        lambda: torch.zeros(3, dtype=torch.uint8),
        lambda: torch.zeros(3, dtype=torch.bfloat16, requires_grad=True),
        lambda: torch.zeros(3, dtype=torch.float8_e4m3fn),
        lambda: torch.zeros(3, dtype=torch.complex64, requires_grad=True),
        lambda: torch.quantize_per_tensor(torch.randn(3), 0.1, 0, torch.quint8),
        lambda: torch.randn(3, 3).to_sparse(),
        lambda: torch.randn(3, 3).to_sparse_csr(),
        lambda: torch.randn(4, 3).t(),
        lambda: torch.randn(1, 3).expand(5, 3),
        lambda: torch.empty(0, 3),
        lambda: torch.nn.Parameter(torch.randn(2)),
        *(CASES.values()),
    ],
)
def test_every_kind_of_tensor_matches_the_schema(make):
    snap = torchinspect.snapshot(make())
    jsonschema.validate(snap, SCHEMA)
    json.dumps(snap)


@given(
    shape=st.lists(st.integers(0, 4), max_size=4),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.int32, torch.bool]),
)
def test_shape_and_dtype_are_torch_s_own(shape, dtype):
    t = torch.zeros(shape, dtype=dtype)
    snap = torchinspect.snapshot(t)
    assert snap["shape"] == list(t.shape)
    assert f"torch.{snap['dtype']}" == str(t.dtype)
    jsonschema.validate(snap, SCHEMA)


def test_snapshot_leaves_the_tensor_and_its_grad_untouched():
    x = CASES["leaf_with_grad"]()
    grad_before = x.grad.clone()
    version_before = x._version
    torchinspect.snapshot(x)
    assert x.requires_grad and x.is_leaf
    assert torch.equal(x.grad, grad_before)
    assert x._version == version_before
    assert not x._backward_hooks


def test_snapshot_keeps_no_reference_to_the_tensor():
    x = torch.randn(1000, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    snap = torchinspect.snapshot(x)
    alive = weakref.ref(x)
    del x, y
    gc.collect()
    assert alive() is None
    assert snap["grad"]["shape"] == [1000]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (3, "got builtins.int. Make it a tensor first: snapshot(torch.tensor(value))"),
        ([1.0, 2.0], "got builtins.list"),
        ("x", "got builtins.str"),
    ],
)
def test_non_tensor_is_refused_with_what_to_pass(bad, expected):
    with pytest.raises(TypeError, match="torchinspect.snapshot\\(\\) takes a torch.Tensor") as info:
        torchinspect.snapshot(bad)
    assert expected in str(info.value)


def test_numpy_array_is_refused_with_the_conversion_to_use():
    import numpy as np

    with pytest.raises(TypeError, match=r"torch\.from_numpy\(a\)"):
        torchinspect.snapshot(np.zeros(3))


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name must be a string"):
        torchinspect.snapshot(torch.zeros(1), name=3)


def test_fixtures_for_the_typescript_tests_match_python():
    stored = json.loads(FIXTURES.read_text())
    assert stored == {case: torchinspect.snapshot(make()) for case, make in CASES.items()}, (
        "tests/fixtures/snapshots.json is stale: regenerate it with "
        "`.venv/bin/python tests/fixtures/make_snapshots.py`"
    )
