"""The accelerator path of the statistics and histogram, run on the CPU: it reads back to the
host once, and gives the figures the CPU path gives.

No GPU runs these tests: each way a tensor's values can reach the host (tolist, item, cpu,
numpy, bool, float, int, index) is counted while the path runs on CPU tensors, so a read
added to it fails here. The same code runs on a GPU, where each read is a synchronization.
"""

from __future__ import annotations

import math

import pytest
import torch

from torchinspect.tensor import device_statistics
from torchinspect.tensor.device_statistics import device_statistics_and_histogram
from torchinspect.tensor.statistics import histogram, statistics
from torchinspect.tensor.values import values_of

READS = ("tolist", "item", "cpu", "numpy", "__bool__", "__float__", "__int__", "__index__")


@pytest.fixture
def host_reads(monkeypatch):
    """The names of the Tensor methods called on device tensors that bring values to the host, in order."""
    seen: list[str] = []
    for name in READS:
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            if not _host_side[0]:
                seen.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return seen


# The path turns the one vector it read back into Python figures on the host: those calls are
# on a host tensor, made after the read, and are not counted.
_host_side = [False]


@pytest.fixture(autouse=True)
def _host_tensor_calls_after_the_read(monkeypatch):
    original = torch.tensor

    def marked(*args, **kwargs):
        _host_side[0] = True
        return original(*args, **kwargs)

    monkeypatch.setattr(device_statistics.torch, "tensor", marked)
    yield
    _host_side[0] = False


def cases():
    generator = torch.Generator().manual_seed(11)
    planted = torch.randn(50_000, generator=generator)
    planted[[3, 9_000, 20_000, 49_999]] = torch.tensor([math.nan, math.inf, -math.inf, math.nan])
    only_specials = torch.tensor([math.nan, math.inf, -math.inf])
    return {
        "float32": torch.randn(50_000, generator=generator) * 3 + 100,
        "float32, NaN/Inf": planted,
        "float16, NaN/Inf": planted.half(),
        "bfloat16": torch.randn(3, 500, generator=generator).bfloat16().t(),
        "float64, wide": torch.randn(5_000, generator=generator, dtype=torch.float64) * 1e30,
        "int64, short range": torch.randint(-20, 20, (30_000,), generator=generator),
        "int64, past 2**53": torch.randint(-1000, 1000, (40_000,), generator=generator) + 2**60,
        "int32": torch.randint(-(10**6), 10**6, (40_000,), generator=generator, dtype=torch.int32),
        "bool": torch.rand(1000, generator=generator) < 0.3,
        "one value": torch.full((100,), 2.5),
        "only NaN and Inf": only_specials,
        "sparse": torch.randn(200, 300, generator=generator).relu().to_sparse(),
        "complex64": torch.randn(2_000, generator=generator, dtype=torch.complex64),
    }


CASES = cases()


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_device_path_reads_back_once_and_gives_the_cpu_path_s_figures(case, host_reads, monkeypatch):
    monkeypatch.setattr(device_statistics, "MIN_CHUNK", 4096)  # many chunks, pooled
    t = CASES[case]
    values = values_of(t)
    stats, counts = device_statistics_and_histogram(values, t.dtype)
    assert host_reads == ["tolist"]
    expected = statistics(values, t.dtype)
    expected_counts = histogram(values, t.dtype, expected)
    for key in ("count", "finite", "nan", "posinf", "neginf", "zeros", "min", "max"):
        assert stats[key] == expected[key], key
        assert type(stats[key]) is type(expected[key]), key
    # The CPU path sums float32 deviations; torch's float64 is the oracle for both.
    finite = _magnitudes(t)[torch.isfinite(_magnitudes(t))]
    for key, oracle in (("mean", finite.mean), ("std", finite.std)):
        if expected[key] is None:
            assert stats[key] is None
        else:
            assert stats[key] == pytest.approx(oracle().item(), rel=1e-9, abs=1e-12), key
    assert counts == expected_counts


def _magnitudes(t: torch.Tensor) -> torch.Tensor:
    dense = t.to_dense() if t.is_sparse else t
    return (dense.abs() if dense.is_complex() else dense).reshape(-1).double()


def test_values_whose_squares_overflow_float64_are_left_to_the_cpu_path():
    values = values_of(torch.tensor([1e300, -1e300, 3.0], dtype=torch.float64))
    assert device_statistics_and_histogram(values, torch.float64) is None
