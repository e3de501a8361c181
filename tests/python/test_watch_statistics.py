"""The watch's per-read statistics (training.statistics) equal what the test computes with torch,
row by row and value by value, for samples holding exact zeros, -0.0, subnormals, NaN, ±Inf,
values at the histogram's bin edges and the largest floats, in every dtype the tables can hold;
and they leave the tensors they are given as they were."""

import math

import pytest
import torch

from torchinspect.training.statistics import (
    ACTIVATION_FIELDS,
    BIN_EDGES,
    BINS,
    activation_rows,
    histograms,
    magnitude_histogram,
)

FINITE = [0.0, -0.0, 1e-45, -1e-45, 1e-40, 1.2e-38, 1e-12, 1e-10, 1e5, 2e5]
SPECIAL = [*FINITE, 3.4e38, -3.4e38, math.inf, -math.inf, math.nan]
EDGES = torch.tensor(BIN_EDGES[1:-1])
NEXT_TO_EDGES = torch.cat([EDGES, EDGES.nextafter(torch.tensor(0.0)), EDGES.nextafter(torch.tensor(math.inf))])


pytestmark = pytest.mark.usefixtures("one_thread")


def half_decade(values: torch.Tensor) -> torch.Tensor:
    """Each value's bin as the module defines it: the floor of 2 * (log10 |v| + 10) in float32,
    magnitudes under 10**-10 in bin 0, over 10**5 in the last; NaN -1 (not counted)."""
    magnitudes = values.float().abs()
    bins = magnitudes.clamp(1e-10, 1e5).log10().sub(-10).mul(2).floor().clamp(0, BINS - 1).long()
    return bins.masked_fill(magnitudes.isnan(), -1)


def by_edges(values: torch.Tensor) -> torch.Tensor:
    """Each value's bin read off BIN_EDGES in float64 (bin k holds [edge k, edge k+1)); NaN -1."""
    magnitudes = values.float().double().abs()
    bins = torch.bucketize(magnitudes, torch.tensor(BIN_EDGES[1:-1], dtype=torch.float64), right=True)
    return bins.masked_fill(magnitudes.isnan(), -1)


def counts(bins: torch.Tensor) -> torch.Tensor:
    return torch.bincount(bins[bins >= 0], minlength=BINS).float()


def reference_row(sample: torch.Tensor, total: torch.Tensor) -> list[float]:
    """ACTIVATION_FIELDS of one [examples, features] sample, in float64, a value at a time."""
    flat = sample.reshape(-1).double()
    count, features = flat.numel(), sample.shape[1]
    dead = sum(1 for unit in range(features) if all(value == 0 for value in sample[:, unit].tolist()))
    moments = torch.tensor([flat.mean(), flat.std() if count > 1 else math.nan]).float().tolist()  # as sent
    return [
        *moments,
        sum(1 for value in flat.tolist() if value == 0) / count,
        dead / features,
        sum(1 for value in flat.tolist() if math.isnan(value)),
        sum(1 for value in flat.tolist() if math.isinf(value)),
        float(not math.isfinite(total.item())),
    ]


def assert_rows_equal_reference(samples: torch.Tensor, bins_of=half_decade) -> None:
    totals = samples.reshape(samples.shape[0], -1).double().sum(1)
    before = samples.clone()
    rows = activation_rows(samples, totals)
    assert same_bits(samples, before)  # the samples are left as they were
    assert rows.shape == (samples.shape[0], len(ACTIVATION_FIELDS) + BINS)
    rel = max(1e-5, 4 * torch.finfo(samples.dtype).eps)  # mean and std are computed in the samples' dtype
    for row, sample, total in zip(rows, samples, totals):
        mean, std, zeros, dead, nan, inf, nonfinite = reference_row(sample, total)
        count, features = sample.numel(), sample.shape[1]
        if math.isfinite(mean):
            assert row[0].item() == pytest.approx(mean, rel=rel, abs=1e-12)
            assert row[1].item() == pytest.approx(std, rel=rel, abs=1e-12, nan_ok=True)
        assert round(row[2].item() * count) == round(zeros * count)
        assert round((1 - row[3].item()) * features) == round((1 - dead) * features)
        assert row[2:7].tolist() == pytest.approx([zeros, dead, nan, inf, nonfinite], abs=1e-6)
        assert torch.equal(row[len(ACTIVATION_FIELDS) :], counts(bins_of(sample.reshape(-1))))


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    bits = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()]
    return torch.equal(a.view(bits), b.view(bits))


def planted(
    shape: tuple[int, int, int], seed: int, dtype: torch.dtype = torch.float32, finite: bool = False
) -> torch.Tensor:
    """Samples of magnitudes from 1e-13 to 1e7 (random, away from the bin edges), with dead
    units (all their examples 0 or -0.0), a unit alive only by a NaN (unless ``finite``), and
    every SPECIAL value (FINITE's only if ``finite``)."""
    generator = torch.Generator().manual_seed(seed)
    rows, examples, features = shape
    values = torch.randn(shape, generator=generator, dtype=torch.float64)
    values *= 10.0 ** torch.randint(-13, 7, shape, generator=generator)
    special = torch.tensor(FINITE if finite else SPECIAL, dtype=torch.float64)
    picked = torch.rand(shape, generator=generator) < 0.1
    values[picked] = special[torch.randint(0, len(special), (int(picked.sum()),), generator=generator)]
    values[torch.rand(shape, generator=generator) < 0.2] = 0.0
    values[:, :, 0] = 0.0  # a dead unit in every row
    if features > 2:
        values[:, :, 1] = -0.0  # dead too: -0.0 is zero
        values[:, :, 2] = 0.0
        values[:, 0, 2] = 1e-45 if finite else math.nan  # alive: NaN is not zero
    if rows > 1:
        values[1] = 0.0  # a row of zeros
    return values.to(dtype)


@pytest.mark.parametrize("shape", [(12, 2, 512), (6, 8, 128), (4, 3, 7), (3, 1, 1), (2, 5, 1), (2, 1, 6)])
@pytest.mark.parametrize("finite", [False, True])
def test_activation_rows_equal_torch_row_by_row(shape, finite):
    """With NaN or Inf among a row's values its mean and std are not compared (float32 and
    float64 overflow apart); the finite rows compare them."""
    assert_rows_equal_reference(planted(shape, seed=sum(shape), finite=finite), bins_of=by_edges)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_activation_rows_of_other_dtypes_count_in_their_own(dtype):
    """Zeros, dead units, NaN and Inf are those of the samples' own values (1e-300 is not zero in
    float64, 1e300 is not Inf), the histogram that of the values in float32."""
    samples = planted((5, 4, 16), seed=3, dtype=dtype, finite=True)
    if dtype == torch.float64:
        samples[0, :, 3] = 1e-300  # a unit alive by values float32 would round to 0
        samples[2, 1, 5] = 1e300
    assert_rows_equal_reference(samples)


def test_subnormal_values_are_nonzero_and_in_the_first_bin():
    tiny = torch.tensor([1e-45, -1e-45, 1e-40, 1.1e-38])
    samples = torch.stack([tiny, torch.zeros(4), -tiny]).reshape(1, 3, 4)
    row = activation_rows(samples, samples.sum().reshape(1))[0]
    assert row[2].item() == pytest.approx(4 / 12)  # the row of exact zeros only
    assert row[3].item() == 0.0  # every unit holds a subnormal: none is dead
    assert row[len(ACTIVATION_FIELDS)].item() == 12  # all in bin 0
    assert torch.equal(magnitude_histogram(tiny)[0], torch.tensor(4.0))


def test_values_next_to_every_edge_land_in_their_half_decade_in_every_row():
    values = torch.cat([NEXT_TO_EDGES, -NEXT_TO_EDGES, torch.tensor(SPECIAL, dtype=torch.float32)])
    samples = torch.stack([values, values.flip(0), values * 0.5]).reshape(3, 1, -1)
    assert_rows_equal_reference(samples)


def test_histograms_count_each_value_in_the_row_its_index_gives():
    generator = torch.Generator().manual_seed(7)
    values = torch.cat([NEXT_TO_EDGES, torch.tensor(SPECIAL), torch.randn(200, generator=generator) * 1e3])
    steps, modules = 3, 4
    table = torch.stack([values.roll(step * 11) for step in range(steps)])  # [steps, values]
    owner = torch.arange(values.numel()) % modules
    index = torch.arange(steps)[:, None] * modules + owner[None, :]
    before = table.clone()
    counted = histograms(table, index, steps * modules)
    assert same_bits(table, before)
    bins = half_decade(table)
    for step in range(steps):
        for module in range(modules):
            expected = counts(bins[step][owner == module])
            assert torch.equal(counted[step * modules + module], expected), (step, module)


def test_magnitude_histogram_leaves_the_tensor_it_reads():
    weights = torch.tensor([0.0, -2.0, 3e-4, math.inf, math.nan])
    before = weights.clone()
    assert torch.equal(magnitude_histogram(weights), counts(half_decade(weights)))
    assert same_bits(weights, before)
