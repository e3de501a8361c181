import contextlib
import gc
import itertools
import json
import math
import os
import pathlib
import subprocess
import sys
import warnings
import weakref

import jsonschema
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import torchinspect
from snapshot_cases import CASES
from torchinspect.tensor.snapshot import jsonable

SCHEMA = json.loads(
    (pathlib.Path(torchinspect.__file__).parent / "schema" / "tensor-1.json").read_text()
)
FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "snapshots.json"
SIZE_LIMIT = 256 * 1024

EVERY_KIND = {
    "bool": lambda: torch.tensor([True, False, True]),
    "uint8": lambda: torch.arange(6, dtype=torch.uint8).reshape(2, 3),
    "int64": lambda: torch.tensor([-(2**40), 0, 7]),
    "float16": lambda: torch.randn(5, 7).half(),
    "bfloat16": lambda: torch.randn(3, dtype=torch.bfloat16, requires_grad=True),
    "float8": lambda: torch.randn(4, 4).to(torch.float8_e4m3fn),
    "complex64": lambda: torch.randn(3, 2, dtype=torch.complex64, requires_grad=True),
    "quantized": lambda: torch.quantize_per_tensor(torch.randn(4, 3), 0.1, 0, torch.quint8),
    "quantized_per_channel": lambda: torch.quantize_per_channel(
        torch.randn(2, 3), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 0, torch.qint8
    ),
    "sparse_coo": lambda: torch.eye(4).to_sparse(),
    "sparse_csr": lambda: torch.eye(4).to_sparse_csr(),
    "sparse_hybrid": lambda: torch.randn(3, 2).to_sparse(1),
    "transposed": lambda: torch.randn(4, 3).t(),
    "expanded": lambda: torch.randn(1, 3).expand(5, 3),
    "sliced": lambda: torch.arange(20.0)[::3],
    "channels_last": lambda: torch.randn(2, 3, 4, 5).to(memory_format=torch.channels_last),
    "empty": lambda: torch.empty(0, 3),
    "parameter": lambda: torch.nn.Parameter(torch.randn(2)),
    "view": lambda: torch.randn(4, 4)[1:, :2],
    "inference": lambda: _inference_tensor(),
    "nested_strided": lambda: torch.nested.nested_tensor([torch.zeros(2, 3), torch.ones(4, 3)]),
    "specials": lambda: torch.tensor([[1.0, math.nan], [math.inf, -math.inf]]),
    "all_nan": lambda: torch.full((3,), math.nan),
    **CASES,
}


def _inference_tensor():
    with torch.inference_mode():
        return torch.ones(3)


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_kind_of_tensor_snapshots_within_the_schema_and_size(kind):
    snap = torchinspect.snapshot(EVERY_KIND[kind]())
    jsonschema.validate(jsonable(snap), SCHEMA)
    assert len(torchinspect.to_json(snap)) <= SIZE_LIMIT
    for field in ("statistics", "histogram", "preview"):
        assert (snap[field] is None) == (field in snap["not_computed"])


def test_metadata_of_a_leaf_that_requires_grad():
    x = torch.randn(20, requires_grad=True)
    snap = torchinspect.snapshot(x, name="x")
    assert {key: snap[key] for key in (
        "schema", "name", "shape", "dtype", "device", "layout", "numel", "type", "is_parameter",
        "requires_grad", "is_leaf", "retains_grad", "grad_fn", "grad", "strides", "storage_offset",
        "is_contiguous", "memory_format", "element_size", "nbytes", "stored_nbytes", "is_view", "base",
        "version",
    )} == {
        "schema": "torchinspect.tensor/1", "name": "x", "shape": [20], "dtype": "float32",
        "device": "cpu", "layout": "strided", "numel": 20, "type": "torch.Tensor",
        "is_parameter": False, "requires_grad": True, "is_leaf": True, "retains_grad": False,
        "grad_fn": None, "grad": None, "strides": [1], "storage_offset": 0, "is_contiguous": True,
        "memory_format": "contiguous", "element_size": 4, "nbytes": 80, "stored_nbytes": 80, "is_view": False,
        "base": None, "version": 0,
    }  # fmt: skip


def test_memory_layout_of_views_and_expansions():
    base = torch.zeros(4, 6)
    view = base[1:, ::2]
    snap = torchinspect.snapshot(view)
    assert (snap["strides"], snap["storage_offset"], snap["is_contiguous"]) == ([6, 2], 6, False)
    assert snap["is_view"] and snap["base"] == {"shape": [4, 6], "dtype": "float32"}
    assert snap["memory_format"] is None
    expanded = torchinspect.snapshot(torch.zeros(1, 3).expand(5, 3))
    assert expanded["strides"] == [0, 1]
    assert torchinspect.snapshot(EVERY_KIND["channels_last"]())["memory_format"] == "channels_last"


def test_version_counts_in_place_changes():
    t = torch.zeros(3)
    t.add_(1)
    t.mul_(2)
    assert torchinspect.snapshot(t)["version"] == t._version == 2
    assert torchinspect.snapshot(_inference_tensor())["version"] is None


def test_parameter_and_subclass_are_named():
    snap = torchinspect.snapshot(torch.nn.Parameter(torch.zeros(2)))
    assert snap["is_parameter"] and snap["type"] == "torch.nn.parameter.Parameter"


def test_quantized_tensor_carries_its_scale():
    snap = torchinspect.snapshot(torch.quantize_per_tensor(torch.ones(3), 0.5, 2, torch.quint8))
    assert snap["quantization"] == {"scheme": "per_tensor_affine", "scale": 0.5, "zero_point": 2}
    assert snap["statistics"]["of"] == "dequantized values"
    assert snap["statistics"]["mean"] == 1.0


def test_result_of_an_operation_names_its_grad_fn():
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    snap = torchinspect.snapshot(y)
    assert snap["shape"] == []
    assert snap["is_leaf"] is False
    assert snap["grad_fn"] == "MulBackward0"
    assert snap["statistics"]["min"] == snap["statistics"]["max"] == pytest.approx(y.item())


def test_grad_after_backward_gets_its_own_snapshot_with_statistics():
    x = CASES["leaf_with_grad"]()
    grad = torchinspect.snapshot(x)["grad"]
    assert grad["shape"] == [3]
    assert grad["requires_grad"] is False
    assert grad["statistics"]["max"] == x.grad.max().item()
    assert grad["preview"]["shape"] == [3]


def test_retained_grad_of_an_intermediate_is_shown():
    snap = torchinspect.snapshot(CASES["retained_intermediate"]())
    assert snap["is_leaf"] is False and snap["retains_grad"] is True
    assert snap["grad"]["shape"] == [2]


def test_intermediate_without_retained_grad_raises_no_warning():
    y = CASES["intermediate"]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torchinspect.snapshot(y)["grad"] is None


def test_ragged_dimension_of_a_nested_tensor_is_null():
    snap = torchinspect.snapshot(CASES["nested_ragged"]())
    assert snap["shape"] == [2, None, 3]
    assert snap["layout"] == "jagged"
    assert snap["statistics"]["count"] == 18


def test_meta_tensor_has_metadata_and_says_why_it_has_no_values():
    snap = torchinspect.snapshot(CASES["meta"]())
    assert (snap["device"], snap["shape"]) == ("meta", [4, 5])
    assert snap["statistics"] is None
    assert snap["not_computed"]["statistics"] == "a meta tensor has a shape and dtype but no values"


# Statistics, against torch as the oracle ------------------------------------------------

FLOAT_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


def oracle(t: torch.Tensor) -> dict:
    """The statistics computed the plain way, in float64, over the finite values."""
    values = t.detach().to(torch.float64).reshape(-1)
    finite = values[torch.isfinite(values)]
    return {
        "count": values.numel(),
        "finite": finite.numel(),
        "min": finite.min().item() if finite.numel() else None,
        "max": finite.max().item() if finite.numel() else None,
        "mean": finite.mean().item() if finite.numel() else None,
        "std": finite.std().item() if finite.numel() > 1 else None,
        "nan": int(torch.isnan(values).sum()),
        "posinf": int((values == math.inf).sum()),
        "neginf": int((values == -math.inf).sum()),
        "zeros": int((values == 0).sum()),
    }


def assert_statistics_match(stats: dict, expected: dict, rel: float) -> None:
    for key in ("count", "finite", "nan", "posinf", "neginf", "zeros", "min", "max"):
        assert stats[key] == expected[key], key
    for key in ("mean", "std"):
        if expected[key] is None:
            assert stats[key] is None, key
        else:
            assert stats[key] == pytest.approx(expected[key], rel=rel, abs=rel), key


@st.composite
def dense_tensors(draw):
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    shape = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    t = torch.randn(shape, dtype=torch.float64) * draw(st.sampled_from([1e-3, 1.0, 1e3])) + draw(
        st.sampled_from([0.0, 5.0, -1e4])
    )
    specials = draw(st.lists(st.sampled_from([math.nan, math.inf, -math.inf, 0.0]), max_size=4))
    flat = t.reshape(-1)
    for position, special in zip(draw(st.permutations(range(flat.numel()))), specials):
        flat[position] = special
    t = t.to(dtype)
    layout = draw(st.sampled_from(["contiguous", "transposed", "sliced", "expanded"]))
    if layout == "transposed":
        t = t.transpose(0, -1)
    elif layout == "sliced":
        t = t[..., ::2]
    elif layout == "expanded":
        t = t.unsqueeze(0).expand(3, *t.shape)
    return t


@settings(max_examples=150, deadline=None)
@given(t=dense_tensors(), chunk=st.sampled_from([3, 7, 1 << 18]))
def test_statistics_are_exact_over_every_layout_and_chunking(t, chunk):
    with chunk_size(chunk):
        stats = torchinspect.snapshot(t)["statistics"]
    rel = 1e-9 if t.dtype == torch.float64 else 1e-4
    assert_statistics_match(stats, oracle(t), rel)


@contextlib.contextmanager
def chunk_size(size: int):
    """Smaller chunks, so that small tensors take the many-chunk paths."""
    import torchinspect.tensor.values as values_module

    original, values_module.CHUNK = values_module.CHUNK, size
    try:
        yield
    finally:
        values_module.CHUNK = original


@given(
    dtype=st.sampled_from([torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64, torch.bool]),
    shape=st.lists(st.integers(0, 5), max_size=3),
)
def test_integer_and_bool_statistics_are_exact(dtype, shape):
    t = torch.randint(0, 2, shape, dtype=dtype) if dtype == torch.bool else torch.randint(-9, 10, shape).to(dtype)
    stats = torchinspect.snapshot(t)["statistics"]
    expected = oracle(t)
    assert_statistics_match(stats, expected, 1e-9)
    if expected["min"] is not None:
        assert isinstance(stats["min"], int) and isinstance(stats["max"], int)


def test_variance_survives_a_mean_much_larger_than_the_spread():
    t = 1e4 + torch.randn(100_000, dtype=torch.float64) * 1e-3
    assert torchinspect.snapshot(t.float())["statistics"]["std"] == pytest.approx(t.float().double().std().item(), rel=1e-3)


def scaled_oracle(t: torch.Tensor) -> tuple[float, float]:
    """mean and std in float64, computed on values scaled by a power of two so nothing overflows."""
    exponent = math.frexp(t.abs().max().item())[1]
    half = exponent // 2  # scaled in two steps: 2.0**1028 overflows
    scaled = t.double() * 2.0**-half * 2.0 ** (half - exponent)
    return math.ldexp(scaled.mean().item(), exponent), math.ldexp(scaled.std().item(), exponent)


@pytest.mark.parametrize(
    "t",
    [
        torch.randn(10_000) * 1e20,
        torch.full((10_000,), 1e38),
        torch.tensor([3e38, -3e38, 0.0, 1e38]),
        torch.randn(10_000, dtype=torch.float64) * 1e200,
        torch.tensor([1e308, -1e308, 5e307], dtype=torch.float64),
        torch.randn(10_000) * 1e-30,
        torch.randn(10_000) * 1e-40,
        torch.randn(10_000, dtype=torch.float64) * 1e-310,
        torch.cat([torch.randn(2_000_000) * 1e30, torch.randn(10)]),
    ],
    ids=[
        "1e20", "full-1e38", "near-float32-max", "float64-1e200", "near-float64-max", "1e-30",
        "float32-subnormal", "float64-subnormal", "1e30-chunks",
    ],
)
def test_statistics_stay_exact_and_json_safe_for_exploding_and_vanishing_values(t):
    snap = torchinspect.snapshot(t)
    stats = snap["statistics"]
    mean, std = scaled_oracle(t)
    assert stats["mean"] == pytest.approx(mean, rel=1e-5, abs=std * 1e-6)
    assert stats["std"] == pytest.approx(std, rel=1e-5)
    assert sum(snap["histogram"]["counts"]) == t.numel()
    json.loads(torchinspect.to_json(snap))


def test_histogram_bins_of_values_spanning_the_whole_float32_range():
    counts = torchinspect.snapshot(torch.tensor([-3e38, 0.0, 3e38]))["histogram"]["counts"]
    assert (counts[0], counts[len(counts) // 2], counts[-1]) == (1, 1, 1)


def test_complex_statistics_are_of_the_magnitude():
    t = torch.tensor([3 + 4j, 0j, 1j], dtype=torch.complex64)
    stats = torchinspect.snapshot(t)["statistics"]
    assert (stats["of"], stats["min"], stats["max"], stats["zeros"]) == ("magnitude", 0.0, 5.0, 1)
    assert stats["mean"] == pytest.approx(2.0)


def test_sparse_statistics_count_the_implicit_zeros():
    dense = torch.zeros(50, 40)
    dense[3, 4], dense[10, 2], dense[49, 39] = 2.0, -1.0, 5.0
    for sparse in (dense.to_sparse(), dense.to_sparse_csr()):
        assert_statistics_match(torchinspect.snapshot(sparse)["statistics"], oracle(dense), 1e-6)


def test_statistics_of_every_component_of_a_nested_tensor():
    parts = [torch.randn(2, 3), torch.randn(5, 3)]
    stats = torchinspect.snapshot(torch.nested.nested_tensor(parts))["statistics"]
    assert_statistics_match(stats, oracle(torch.cat(parts)), 1e-5)


# Histogram -------------------------------------------------------------------------------


def test_histogram_counts_every_finite_value_between_min_and_max():
    t = torch.randn(10_000)
    t[:5] = math.nan
    hist = torchinspect.snapshot(t)["histogram"]
    assert (hist["lo"], hist["hi"], hist["sample_every"]) == (t[5:].min().item(), t[5:].max().item(), 1)
    assert len(hist["counts"]) == 64 and sum(hist["counts"]) == 9_995
    assert hist["counts"] == torch.histc(t[5:], 64, hist["lo"], hist["hi"]).long().tolist()


def test_histogram_of_small_integers_has_one_bin_per_value():
    hist = torchinspect.snapshot(torch.tensor([0, 1, 1, 3, 3, 3]))["histogram"]
    assert (hist["lo"], hist["hi"], hist["counts"]) == (-0.5, 3.5, [1, 2, 0, 3])
    assert torchinspect.snapshot(torch.tensor([True, True, False]))["histogram"]["counts"] == [1, 2]


def test_histogram_of_a_constant_tensor_is_one_bin():
    hist = torchinspect.snapshot(torch.full((7,), 2.5))["histogram"]
    assert (hist["lo"], hist["hi"], hist["counts"]) == (2.5, 2.5, [7])


def test_histogram_of_a_sparse_tensor_counts_its_implicit_zeros():
    dense = torch.zeros(10, 10)
    dense[0, 0], dense[1, 1] = -1.0, 1.0
    hist = torchinspect.snapshot(dense.to_sparse())["histogram"]
    assert sum(hist["counts"]) == 100 and hist["counts"][0] == 1 and hist["counts"][-1] == 1


def test_large_histogram_counts_every_pth_run_of_values_and_says_so(monkeypatch):
    import torchinspect.tensor.statistics as statistics_module

    monkeypatch.setattr(statistics_module, "HISTOGRAM_EXACT_LIMIT", 1000)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_SAMPLE", 100)
    t = torch.arange(10_000.0)
    hist = torchinspect.snapshot(t)["histogram"]
    assert hist["sample_every"] == 101
    # Every 101st run of 64 values: 0..63 and 6464..6527.
    assert sum(hist["counts"]) == 128 and hist["counts"][0] == 64


# Preview ----------------------------------------------------------------------------------


def decode(preview: dict) -> torch.Tensor:
    return torch.frombuffer(bytearray(preview["data"]), dtype=torch.float32).reshape(preview["shape"])


def test_small_matrix_preview_is_the_values_themselves():
    t = torch.randn(20, 30, dtype=torch.float64)
    preview = torchinspect.snapshot(t)["preview"]
    assert (preview["shape"], preview["block"], preview["axes"], preview["index"]) == ([20, 30], [1, 1], [0, 1], [None, None])
    assert torch.equal(decode(preview), t.float())


def test_large_matrix_preview_is_block_means_on_the_device():
    t = torch.randn(300, 1000)
    preview = torchinspect.snapshot(t)["preview"]
    assert (preview["shape"], preview["block"]) == ([100, 125], [3, 8])
    expected = t.reshape(100, 3, 125, 8).mean(dim=(1, 3))
    torch.testing.assert_close(decode(preview), expected)


def test_preview_blocks_that_do_not_divide_take_the_mean_of_what_is_there():
    t = torch.arange(130.0 * 3).reshape(130, 3)
    preview = torchinspect.snapshot(t)["preview"]
    assert (preview["shape"], preview["block"]) == ([65, 3], [2, 1])
    t = torch.arange(5000.0)
    preview = torchinspect.snapshot(t)["preview"]
    assert (preview["shape"], preview["block"]) == ([2500], [2])
    assert decode(preview)[-1].item() == pytest.approx((4998 + 4999) / 2)


def test_nan_in_a_block_shows_in_its_cell():
    t = torch.zeros(256, 256)
    t[10, 10] = math.nan
    cells = decode(torchinspect.snapshot(t)["preview"])
    assert torch.isnan(cells[5, 5]) and int(torch.isnan(cells).sum()) == 1


def test_n_dimensional_preview_shows_the_last_two_axes_at_index_zero():
    t = torch.randn(3, 4, 5, 6)
    preview = torchinspect.snapshot(t)["preview"]
    assert (preview["axes"], preview["index"], preview["shape"]) == ([2, 3], [0, 0, None, None], [5, 6])
    assert torch.equal(decode(preview), t[0, 0])


def test_preview_of_another_slice_and_axes():
    from torchinspect.tensor.preview import preview

    t = torch.randn(3, 4, 5)
    result = preview(t, axes=(2, 0), index=[None, 3, None])
    assert (result["axes"], result["index"], result["shape"]) == ([2, 0], [None, 3, None], [5, 3])
    assert torch.equal(decode(result), t[:, 3, :].t())


@pytest.mark.parametrize(
    ("axes", "index", "message"),
    [
        ((0, 0), None, "two different axes"),
        ((0, 5), None, "two different axes"),
        ((0,), None, "two integers"),
        ((0, 1), [None, None, 9], "out of range for axis 2 of size 5"),
        ((0, 1), [None, None, 1.5], "out of range"),
        ((0, 1), [None, None], "one entry per axis"),
    ],
)
def test_preview_refuses_axes_and_indices_out_of_range(axes, index, message):
    from torchinspect.tensor.preview import preview

    with pytest.raises(ValueError, match=message):
        preview(torch.zeros(3, 4, 5), axes=axes, index=index)


def test_preview_of_complex_bool_and_quantized_reads_them_as_numbers():
    assert decode(torchinspect.snapshot(torch.tensor([3 + 4j]))["preview"]).tolist() == [5.0]
    assert decode(torchinspect.snapshot(torch.tensor([True, False]))["preview"]).tolist() == [1.0, 0.0]
    q = torch.quantize_per_tensor(torch.tensor([0.5, 1.0]), 0.5, 0, torch.quint8)
    assert decode(torchinspect.snapshot(q)["preview"]).tolist() == [0.5, 1.0]


def test_snapshot_of_a_big_tensor_with_its_grad_stays_under_256_kb():
    w = torch.randn(2000, 3000, requires_grad=True)
    (w * 2).sum().backward()
    assert len(torchinspect.to_json(torchinspect.snapshot(w))) <= SIZE_LIMIT


def test_snapshot_never_copies_a_large_tensor_whole():
    """Peak memory of a snapshot of 200 MB of float16 stays far below one float32 copy (400 MB)."""
    code = (
        "import resource, torch, torchinspect\n"
        "t = torch.empty(100_000_000, dtype=torch.float16).normal_()\n"
        "t2 = t.reshape(10_000, 10_000).t()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "torchinspect.snapshot(t); torchinspect.snapshot(t2)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    # A fixed mmap threshold makes glibc hand freed chunks back at once, so that the peak
    # counts live memory, not what the allocator keeps around for reuse.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    grown_kib = int(done.stdout.strip().splitlines()[-1])
    assert grown_kib < 100 * 1024, f"peak memory grew by {grown_kib / 1024:.0f} MiB"


# Do no harm and bad input ----------------------------------------------------------------


def test_snapshot_leaves_the_tensor_and_its_grad_untouched():
    x = CASES["leaf_with_grad"]()
    grad_before = x.grad.clone()
    version_before = x._version
    torchinspect.snapshot(x)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
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
    assert stored == {case: jsonable(torchinspect.snapshot(make())) for case, make in CASES.items()}, (
        "tests/fixtures/snapshots.json is stale: regenerate it with "
        "`.venv/bin/python tests/fixtures/make_snapshots.py`"
    )


@pytest.mark.parametrize("layout", ["coo", "csr"])
@pytest.mark.parametrize("shape", [(30, 40), (300, 1000), (130, 3)])
def test_sparse_preview_equals_the_dense_preview_from_stored_entries_alone(layout, shape):
    generator = torch.Generator().manual_seed(1)
    dense = torch.randn(shape, generator=generator) * (torch.rand(shape, generator=generator) < 0.05)
    sparse = dense.to_sparse() if layout == "coo" else dense.to_sparse_csr()
    ours, expected = torchinspect.snapshot(sparse)["preview"], torchinspect.snapshot(dense)["preview"]
    assert (ours["shape"], ours["block"]) == (expected["shape"], expected["block"])
    torch.testing.assert_close(decode(ours), decode(expected), rtol=1e-5, atol=1e-6)


def test_sparse_preview_of_another_slice():
    from torchinspect.tensor.preview import preview

    dense = torch.randn(3, 50, 60) * (torch.rand(3, 50, 60) < 0.1)
    ours = preview(dense.to_sparse(), axes=(2, 0), index=[None, 7, None])
    expected = preview(dense, axes=(2, 0), index=[None, 7, None])
    torch.testing.assert_close(decode(ours), decode(expected))


def test_hybrid_sparse_and_nested_tensors_say_why_they_have_no_heatmap():
    assert "hybrid sparse" in torchinspect.snapshot(EVERY_KIND["sparse_hybrid"]())["not_computed"]["preview"]
    assert "nested tensors have no heatmap" in torchinspect.snapshot(CASES["nested_ragged"]())["not_computed"]["preview"]


@pytest.mark.parametrize("dtype", [torch.uint16, torch.uint32, torch.uint64])
def test_wide_unsigned_integers_have_exact_statistics(dtype):
    t = torch.tensor([0, 7, 65_535, 3]).to(dtype)
    stats = torchinspect.snapshot(t)["statistics"]
    assert (stats["min"], stats["max"], stats["mean"]) == (0, 65_535, 65_545 / 4)
    assert torchinspect.summary(t).startswith(f"tensor[4] {str(dtype).removeprefix('torch.')} cpu ∈[0, 65535]")


@pytest.mark.parametrize("dtype", [torch.bits8, torch.float4_e2m1fn_x2])
def test_dtypes_without_arithmetic_are_shown_without_values_and_say_why(dtype):
    t = torch.zeros(4, dtype=torch.uint8).view(dtype)
    snap = torchinspect.snapshot(t)
    assert snap["statistics"] is None and "torch has no arithmetic for" in snap["not_computed"]["statistics"]
    json.loads(torchinspect.to_json(snap))


def test_an_uninitialized_lazy_parameter_is_refused_with_what_to_do():
    weight = torch.nn.LazyLinear(3).weight
    for function in (torchinspect.snapshot, torchinspect.summary, torchinspect.inspect, torchinspect.compare):
        with pytest.raises(TypeError, match="Run the model once on an input, then inspect the parameter"):
            function(weight) if function is not torchinspect.compare else function(weight, weight)


def test_an_inspector_that_failed_to_start_leaves_no_error_behind():
    unraisable = []
    previous, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        with pytest.raises(TypeError, match="name must be a string"):
            torchinspect.Inspector(torch.ones(2), name=5)
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert unraisable == []


def test_a_jagged_nested_tensor_s_graph_is_plain_json():
    nested = torch.nested.nested_tensor([torch.randn(2, 3), torch.randn(4, 3)], layout=torch.jagged, requires_grad=True)
    graph = torchinspect.autograd_graph(nested * 2)
    json.dumps(graph, allow_nan=False)
    assert graph["nodes"][0]["tensor"]["shape"] == [2, None, 3]


def test_a_transposed_tensor_is_read_in_memory_order_with_the_same_statistics():
    from torchinspect.tensor.values import CHUNK, element_chunks

    t = torch.randn(300, 7_000)
    chunks = list(element_chunks(t.T))
    assert all(chunk.is_contiguous() and chunk.numel() <= CHUNK for chunk in chunks)
    assert sum(chunk.numel() for chunk in chunks) == t.numel()
    assert torchinspect.snapshot(t.T)["statistics"] == torchinspect.snapshot(t)["statistics"]


def test_a_large_uncoalesced_sparse_tensor_says_to_coalesce_it_instead_of_copying_it(monkeypatch):
    from torchinspect.tensor import values

    monkeypatch.setattr(values, "MAX_COALESCED", 100)
    indices = torch.tensor([[0, 0, 1] * 50, [1, 1, 2] * 50])
    t = torch.sparse_coo_tensor(indices, torch.ones(150), (3, 3))
    snap = torchinspect.snapshot(t)
    assert snap["statistics"] is None and "inspect t.coalesce() to see its values" in snap["not_computed"]["statistics"]
    assert torchinspect.snapshot(t.coalesce())["statistics"]["max"] == 100.0


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (torch.tensor(3.25), [3.25]),
        (torch.tensor([[0.1, float("nan")], [float("inf"), -float("inf")]]), [0.10000000149011612, "nan", "inf", "-inf"]),
        (torch.tensor([2**53, 2**53 + 1, -(2**62)]), ["9007199254740992", "9007199254740993", "-4611686018427387904"]),
        (torch.tensor([True, False]), [True, False]),
        (torch.tensor([1j, -1j], dtype=torch.complex64), [[0.0, 1.0], [-0.0, -1.0]]),
        (torch.tensor([0.1], dtype=torch.float64), [0.1]),
    ],
)
def test_small_tensors_carry_their_exact_values(t, expected):
    snap = jsonable(torchinspect.snapshot(t))
    jsonschema.validate(snap, SCHEMA)
    assert snap["values"] == {"of": "values", "shape": list(t.shape), "data": expected}
    floats = [v for v in snap["values"]["data"] if isinstance(v, float)]
    assert floats == [float(v) for v in t.reshape(-1).tolist() if isinstance(v, float) and math.isfinite(v)]


def test_values_stop_past_fifty_elements_and_for_tensors_without_them():
    assert torchinspect.snapshot(torch.zeros(50))["values"]["shape"] == [50]
    assert torchinspect.snapshot(torch.zeros(51))["values"] is None
    assert torchinspect.snapshot(torch.zeros(3, device="meta"))["values"] is None
    assert torchinspect.snapshot(torch.zeros(3).to_sparse())["values"] is None
    quantized = torch.quantize_per_tensor(torch.tensor([0.5, 1.0]), 0.5, 0, torch.quint8)
    assert torchinspect.snapshot(quantized)["values"] == {"of": "dequantized values", "shape": [2], "data": [0.5, 1.0]}


@pytest.mark.parametrize(
    ("make", "stored"),
    [
        (lambda: torch.arange(4.0).expand(3, 4), 16),
        (lambda: torch.zeros(4, 6)[1:, ::2], 36),
        (lambda: torch.arange(6.0).unfold(0, 3, 1), 24),
        (lambda: torch.arange(10.0).as_strided((3, 3), (2, 1)), 28),
        (lambda: torch.zeros(2, 3).t(), 24),
        (lambda: torch.zeros(0, 3), 0),
    ],
)
def test_stored_bytes_count_each_element_a_view_reaches_once(make, stored):
    t = make()
    assert torchinspect.snapshot(t)["stored_nbytes"] == stored
    offsets = {t.storage_offset() + sum(i * s for i, s in zip(index, t.stride())) for index in itertools.product(*map(range, t.shape))}
    assert stored == len(offsets) * t.element_size()


def test_complex_tensors_carry_the_statistics_of_their_real_and_imaginary_parts():
    eigenvalues = torch.linalg.eigvals(torch.tensor([[0.0, -1.0], [1.0, 0.0]]))
    snap = jsonable(torchinspect.snapshot(eigenvalues))
    jsonschema.validate(snap, SCHEMA)
    real, imaginary = snap["complex_parts"]["real"], snap["complex_parts"]["imaginary"]
    assert (real["min"], real["max"]) == (eigenvalues.real.min().item(), eigenvalues.real.max().item())
    assert (imaginary["min"], imaginary["max"]) == (-1.0, 1.0)
    assert torchinspect.snapshot(torch.ones(2))["complex_parts"] is None


def test_a_downsampled_1d_preview_carries_each_block_s_extremes():
    t = torch.randn(100_000) * 5
    p = torchinspect.snapshot(t)["preview"]
    block = p["block"][0]
    lo, hi = (torch.frombuffer(bytearray(p[key]), dtype=torch.float32) for key in ("lo", "hi"))
    padded = torch.nn.functional.pad(t, (0, -len(t) % block), value=float("nan")).reshape(-1, block)
    assert torch.equal(lo, padded.nan_to_num(float("inf")).amin(dim=1))
    assert torch.equal(hi, padded.nan_to_num(-float("inf")).amax(dim=1))
    assert (lo.min().item(), hi.max().item()) == (t.min().item(), t.max().item())
    assert "lo" not in torchinspect.snapshot(torch.randn(100))["preview"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.float16, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("view", ["plain", "transposed", "strided"])
def test_a_preview_read_in_small_pieces_has_the_same_cells_as_one_read_whole(monkeypatch, dtype, view):
    from torchinspect.tensor import preview as module

    torch.manual_seed(0)
    whole = (torch.randn(301, 517) * 1000).to(dtype)
    if dtype == torch.int64:
        whole[::7, ::3] = 2**62 + 12345  # past 2**53: converted through float64, as before
    t = {"plain": whole, "transposed": whole.t(), "strided": whole[:, ::2]}[view]
    line = whole.reshape(-1)[::3]
    previews = [module.preview(t), module.preview(line)]
    monkeypatch.setattr(module, "PIECE", 1000)
    monkeypatch.setattr(module, "CHUNK", 1000)
    assert [module.preview(t), module.preview(line)] == previews
    rows, cols = t.shape
    (block_rows, block_cols), cells = previews[0]["block"], decode(previews[0])
    expected = t.double()[: rows // block_rows * block_rows, : cols // block_cols * block_cols]
    expected = expected.reshape(rows // block_rows, block_rows, -1, block_cols).mean(dim=(1, 3))
    torch.testing.assert_close(cells[: expected.shape[0], : expected.shape[1]], expected.float(), rtol=1e-5, atol=1e-3)
    block = previews[1]["block"][0]
    lo = torch.frombuffer(bytearray(previews[1]["lo"]), dtype=torch.float32)
    assert torch.equal(lo[:-1], line[: len(lo[:-1]) * block].reshape(-1, block).amin(dim=1).double().float())
