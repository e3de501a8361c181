"""Integer tensors' statistics and histogram, read with one conversion per chunk, equal torch's own.

The integers' path turns each chunk's deviations into histc's bins with a multiply-add; these
tensors put values on every bin edge (where ``(x - low) * 64 / (high - low)`` is an integer),
in spans up to and past the limits where that path hands over to histc's own division or to
the separate passes, over many chunks.
"""

from __future__ import annotations

import pytest
import torch

import torchinspect
from torchinspect.tensor import statistics as statistics_module


def expected_histogram(t: torch.Tensor, counts: list[int], lo: float, hi: float) -> list[int]:
    return torch.histc(t.reshape(-1).double(), len(counts), lo, hi).long().tolist()


def edges_and_random(low: int, span: int, size: int, seed: int) -> torch.Tensor:
    """``size`` integers from low to low + span, with every one of histc's 65 edges among them."""
    generator = torch.Generator().manual_seed(seed)
    edges = [low + span * k // 64 for k in range(65)] + [low + -(-span * k // 64) for k in range(65)]
    rest = torch.randint(0, span + 1, (size - len(edges),), generator=generator) + low
    values = torch.cat([torch.tensor(edges), rest])
    return values[torch.randperm(values.numel(), generator=generator)]


SPANS = [1, 63, 64, 65, 192, 1998, 10**6 + 7, (1 << 32) - 1, 1 << 32, (1 << 40) + 3]
LOWS = [-1000, 0, 12345, -(1 << 50), (1 << 51) - (1 << 41)]


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(statistics_module, "BLOCK", 1024)


@pytest.mark.parametrize("span", SPANS)
@pytest.mark.parametrize("low", LOWS)
def test_integers_on_every_bin_edge_match_torch(span, low, small_blocks):
    t = edges_and_random(low, span, 6000, seed=span % 1000 + 7)
    snap = torchinspect.snapshot(t)
    stats, hist = snap["statistics"], snap["histogram"]
    # torch's float64 std of values near 2**50 loses their spread: the oracle reads them from low, exactly.
    centred = (t - low).double()
    assert (stats["min"], stats["max"]) == (int(t.min()), int(t.max()))
    assert stats["zeros"] == int((t == 0).sum()) and stats["finite"] == t.numel()
    assert stats["mean"] == pytest.approx(low + centred.mean().item(), rel=1e-12, abs=1e-9 * centred.std().item())
    assert stats["std"] == pytest.approx(centred.std().item(), rel=1e-9)
    assert hist["sample_every"] == 1 and sum(hist["counts"]) == t.numel()
    if span < statistics_module.HISTOGRAM_BINS:
        assert hist["counts"] == torch.bincount(t - int(t.min())).tolist()
    else:
        assert hist["counts"] == expected_histogram(t, hist["counts"], hist["lo"], hist["hi"])


def test_the_figures_equal_the_separate_passes(small_blocks):
    """One conversion per chunk gives what statistics() and then histogram() give, to the last bit
    of every count and extreme (the moments to float64's rounding)."""
    t = edges_and_random(-777, 123_457, 9000, seed=3)
    values = statistics_module.Values(parts=(t,), implicit_zeros=0, meaning="values")
    stats, hist = statistics_module.statistics_and_histogram(values, t.dtype)
    separate = statistics_module.statistics(values, t.dtype)
    assert hist == statistics_module.histogram(values, t.dtype, separate)
    for key in ("count", "finite", "min", "max", "zeros", "nan", "posinf", "neginf"):
        assert stats[key] == separate[key] and type(stats[key]) is type(separate[key]), key
    assert stats["mean"] == pytest.approx(separate["mean"], rel=1e-12)
    assert stats["std"] == pytest.approx(separate["std"], rel=1e-12)


@pytest.mark.parametrize(
    "t",
    [
        torch.randint(-100, 100, (5000,), dtype=torch.int8),
        torch.randint(0, 2, (5000,)).bool(),
        torch.randint(0, 60_000, (5000,), dtype=torch.int32).to(torch.uint16),
        torch.full((5000,), -3),
        torch.randint(-(1 << 62), 1 << 62, (5000,)),  # past 2**51: the separate passes
        torch.randint(-1000, 1000, (50, 100)).t(),  # not contiguous
    ],
    ids=["int8", "bool", "uint16", "one value", "huge", "transposed"],
)
def test_other_integer_tensors_match_torch(t, small_blocks):
    snap = torchinspect.snapshot(t)
    stats, hist = snap["statistics"], snap["histogram"]
    as_int = t.reshape(-1).to(torch.int64)
    assert (stats["min"], stats["max"]) == (int(as_int.min()), int(as_int.max()))
    assert stats["zeros"] == int((as_int == 0).sum())
    assert stats["mean"] == pytest.approx(as_int.double().mean().item(), rel=1e-12, abs=1e-12)
    assert stats["std"] == pytest.approx(as_int.double().std().item(), rel=1e-9, abs=1e-12)
    if len(hist["counts"]) < statistics_module.HISTOGRAM_BINS:
        assert hist["counts"] == torch.bincount(as_int - int(as_int.min())).tolist()
    else:
        assert hist["counts"] == expected_histogram(as_int, hist["counts"], hist["lo"], hist["hi"])
