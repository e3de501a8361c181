"""A sampled histogram of converted dtypes: only the sampled runs are converted, and integers keep
their exact statistics from the one conversion pass while the histogram counts the sample."""

import pytest
import torch

import torchinspect
from test_statistics_exact import oracle_counts
from torchinspect.tensor import statistics as statistics_module


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("view", ["contiguous", "sliced"])
def test_a_sampled_histogram_of_a_converted_dtype_counts_its_sampled_runs(monkeypatch, dtype, view):
    monkeypatch.setattr(statistics_module, "SMALL_SAMPLE", 0)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_EXACT_LIMIT", 1000)
    monkeypatch.setattr(statistics_module, "HISTOGRAM_SAMPLE", 300)
    monkeypatch.setattr(statistics_module, "BLOCK", 700)
    generator = torch.Generator().manual_seed(7)
    if dtype.is_floating_point:
        whole = (torch.randn(40, 331, generator=generator) * 3 + 1).to(dtype)
        whole[::9, ::13] = float("nan")
    else:
        whole = torch.randint(-5000, 5000, (40, 331), generator=generator, dtype=dtype)
    t = whole if view == "contiguous" else whole[:, :300]
    snap = torchinspect.snapshot(t)
    hist, stats = snap["histogram"], snap["statistics"]
    flat = t.reshape(-1)
    sample = flat[(torch.arange(flat.numel()) // statistics_module.SAMPLE_RUN) % hist["sample_every"] == 0]
    assert hist["sample_every"] > 1 and hist["counts"] == oracle_counts(sample, hist)
    finite = flat[torch.isfinite(flat)].double() if dtype.is_floating_point else flat.double()
    assert (stats["min"], stats["max"]) == (finite.min().item(), finite.max().item())
    assert stats["mean"] == pytest.approx(finite.mean().item(), rel=1e-9 if not dtype.is_floating_point else 1e-5)
    assert stats["std"] == pytest.approx(finite.std().item(), rel=1e-9 if not dtype.is_floating_point else 1e-5)
