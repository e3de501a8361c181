"""Statistics and histograms equal torch's own, computed in float64, with NaN and ±Inf planted.

Every path of the statistics is taken: a small tensor read in one go, clean chunks, chunks whose few NaN and Inf are
narrowed down by halving, and chunks with so many that they are counted whole; the block and
span sizes are made small so that small tensors take them all.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import torchinspect
from torchinspect.tensor import small_statistics
from torchinspect.tensor import statistics as statistics_module

DTYPES = [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int64]
SPECIALS = [math.nan, math.inf, -math.inf]


def oracle(t: torch.Tensor) -> dict:
    """What torch says of the values, in float64."""
    values = t.reshape(-1).double()
    finite = values[torch.isfinite(values)]
    return {
        "count": values.numel(),
        "finite": finite.numel(),
        "nan": int(torch.isnan(values).sum()),
        "posinf": int(torch.isposinf(values).sum()),
        "neginf": int(torch.isneginf(values).sum()),
        "zeros": int((values == 0).sum()),
        "min": finite.min().item() if finite.numel() else None,
        "max": finite.max().item() if finite.numel() else None,
        "mean": finite.mean().item() if finite.numel() else None,
        "std": finite.std().item() if finite.numel() > 1 else None,
    }


def oracle_counts(t: torch.Tensor, hist: dict) -> list[int]:
    """The histogram torch.histc gives of the finite values (one bin per integer, for a short range)."""
    values = t.reshape(-1)
    if not t.dtype.is_floating_point:
        if len(hist["counts"]) < statistics_module.HISTOGRAM_BINS:
            return torch.bincount(values - int(hist["lo"] + 0.5)).tolist()
        return torch.histc(values.double(), len(hist["counts"]), hist["lo"], hist["hi"]).long().tolist()
    finite = values[torch.isfinite(values)]
    finite = finite.double() if t.dtype == torch.float64 else finite.float()
    if hist["lo"] == hist["hi"]:
        return [finite.numel()]
    return torch.histc(finite, statistics_module.HISTOGRAM_BINS, hist["lo"], hist["hi"]).long().tolist()


@st.composite
def planted_tensors(draw):
    dtype = draw(st.sampled_from(DTYPES))
    size = draw(st.integers(1, 3000))
    scale = draw(st.sampled_from([1e-3, 1.0, 100.0]))
    offset = draw(st.sampled_from([0.0, 3.0, -50.0]))
    seed = draw(st.integers(0, 2**31 - 1))
    values = torch.randn(size, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale + offset
    if dtype == torch.int64:
        return values.round().to(dtype)
    flat = values.to(dtype)
    how_many = draw(st.sampled_from([0, 1, 3, size // 3, size]))
    positions = torch.randperm(size, generator=torch.Generator().manual_seed(seed))[:how_many]
    kinds = draw(st.lists(st.sampled_from(SPECIALS), min_size=1, max_size=3))
    for index, position in enumerate(positions.tolist()):
        flat[position] = kinds[index % len(kinds)]
    zeros = draw(st.integers(0, 3))
    flat[torch.randperm(size, generator=torch.Generator().manual_seed(seed + 1))[:zeros]] = draw(
        st.sampled_from([0.0, -0.0])
    )
    return flat


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 256 elements, narrowed to spans of 16, at most 4 of them, and bins found by codes
    rather than histc: every path on small tensors."""
    monkeypatch.setattr(statistics_module, "BLOCK", 256)
    monkeypatch.setattr(statistics_module, "SMALL_SAMPLE", 0)
    monkeypatch.setattr(statistics_module, "SPAN", 16)
    monkeypatch.setattr(statistics_module, "MAX_SPANS", 4)


# Each path a tensor of up to 3,000 values can take: read in one go; in chunks, their histogram
# counted by histc; in chunks, counted by bin codes.
PATHS = {"one read": (small_statistics.SMALL, 4096), "chunks, histc": (0, 4096), "chunks, codes": (0, 0)}


@settings(max_examples=150, deadline=None)
@given(t=planted_tensors(), path=st.sampled_from(sorted(PATHS)))
def test_statistics_and_histogram_equal_torch_in_float64(t, path):
    small, small_sample = PATHS[path]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(small_statistics, "SMALL", small)
        patch.setattr(statistics_module, "SMALL_SAMPLE", small_sample)
        patch.setattr(statistics_module, "BLOCK", 256)
        patch.setattr(statistics_module, "SPAN", 16)
        patch.setattr(statistics_module, "MAX_SPANS", 4)
        snap = torchinspect.snapshot(t)
    stats, expected = snap["statistics"], oracle(t)
    for key in ("count", "finite", "nan", "posinf", "neginf", "zeros", "min", "max"):
        assert stats[key] == expected[key], key
    rel = 1e-9 if t.dtype in (torch.float64, torch.int64) else 1e-5
    for key in ("mean", "std"):
        if expected[key] is None:
            assert stats[key] is None, key
        else:
            assert stats[key] == pytest.approx(expected[key], rel=rel, abs=rel * (expected["std"] or 1.0)), key
    hist = snap["histogram"]
    if expected["finite"] == 0:
        assert hist is None
    else:
        assert hist["sample_every"] == 1 and hist["counts"] == oracle_counts(t, hist)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("planted", ["none", "few", "everywhere"])
def test_a_tensor_of_many_blocks_matches_torch(dtype, planted, small_blocks):
    t = torch.randn(40_000, generator=torch.Generator().manual_seed(7)).to(dtype)
    if planted == "few":
        t[[5, 17, 20_000, 39_999]] = torch.tensor([math.nan, math.inf, -math.inf, math.nan], dtype=dtype)
    elif planted == "everywhere":
        t[::7] = math.nan
        t[3::11] = -math.inf
    snap = torchinspect.snapshot(t)
    expected = oracle(t)
    for key in ("finite", "nan", "posinf", "neginf", "zeros", "min", "max"):
        assert snap["statistics"][key] == expected[key], key
    assert snap["statistics"]["mean"] == pytest.approx(expected["mean"], rel=1e-4, abs=1e-6)
    assert snap["statistics"]["std"] == pytest.approx(expected["std"], rel=1e-5)
    assert snap["histogram"]["counts"] == oracle_counts(t, snap["histogram"])


def test_a_sampled_histogram_says_how_it_sampled(monkeypatch):
    monkeypatch.setattr(statistics_module, "HISTOGRAM_EXACT_LIMIT", 1000)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_SAMPLE", 100)
    t = torch.randn(20_000, generator=torch.Generator().manual_seed(3))
    t[::1000] = math.nan
    hist = torchinspect.snapshot(t)["histogram"]
    step = hist["sample_every"]
    run = statistics_module.SAMPLE_RUN
    sample = t[(torch.arange(t.numel()) // run) % step == 0]
    assert step > 1 and hist["counts"] == oracle_counts(sample, hist)


@pytest.mark.parametrize("block", [100, 256, 1000])
def test_a_sampled_histogram_takes_the_same_runs_whatever_the_chunking(monkeypatch, block):
    monkeypatch.setattr(statistics_module, "SMALL_SAMPLE", 0)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_EXACT_LIMIT", 1000)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_SAMPLE", 300)
    monkeypatch.setattr(statistics_module, "BLOCK", block)
    t = torch.randn(30, 331, generator=torch.Generator().manual_seed(5))[:, :300]  # sliced: read in pieces
    hist = torchinspect.snapshot(t)["histogram"]
    flat = t.reshape(-1)
    sample = flat[(torch.arange(flat.numel()) // statistics_module.SAMPLE_RUN) % hist["sample_every"] == 0]
    assert hist["counts"] == oracle_counts(sample, hist)


def test_an_integer_scalar_is_counted_in_its_one_bin():
    hist = torchinspect.snapshot(torch.tensor(7))["histogram"]
    assert (hist["lo"], hist["hi"], hist["counts"]) == (6.5, 7.5, [1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int64, torch.complex64])
def test_deviations_and_bin_positions_are_worked_out_in_place_only_in_converted_copies(dtype):
    torch.manual_seed(0)
    t = (torch.randn(300_000) * 100).to(dtype)
    before, version = t.clone(), t._version
    snap = torchinspect.snapshot(t)
    assert torch.equal(t, before) and t._version == version
    assert sum(snap["histogram"]["counts"]) == t.numel()
