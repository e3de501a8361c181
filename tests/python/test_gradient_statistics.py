import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchinspect.gradients.statistics import MAX_VALUES, gradient_entry


def oracle(values: torch.Tensor) -> dict:
    """torch in float64 as the oracle: the finite values' norm, extremes and root mean square."""
    flat = values.detach().reshape(-1).to(torch.float64)
    finite = flat[torch.isfinite(flat)]
    return {
        "norm": float(torch.linalg.vector_norm(finite)) if finite.numel() else None,
        "min": float(finite.min()) if finite.numel() else None,
        "max": float(finite.max()) if finite.numel() else None,
        "rms": float(finite.square().mean().sqrt()) if finite.numel() else None,
        "nan": int(torch.isnan(flat).sum()),
        "posinf": int((flat == math.inf).sum()),
        "neginf": int((flat == -math.inf).sum()),
    }


def assert_measures(entry: dict, expected: dict, rtol: float = 1e-5) -> None:
    for key, value in expected.items():
        if isinstance(value, float):
            assert entry[key] == pytest.approx(value, rel=rtol, abs=1e-30), key
        else:
            assert entry[key] == value, key


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(0, 9), min_size=0, max_size=3),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    seed=st.integers(0, 2**16),
    specials=st.lists(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 1e30]), max_size=4),
)
def test_every_measure_equals_torch_in_float64(shape, dtype, seed, specials):
    values = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    flat = values.view(-1)
    for index, special in enumerate(specials[: flat.numel()]):
        flat[index] = special
    entry = gradient_entry(values)
    assert (entry["shape"], entry["numel"], entry["of"]) == (list(shape), values.numel(), "values")
    assert entry["dtype"] == str(dtype).removeprefix("torch.")
    assert_measures(entry, oracle(values))


def test_small_gradients_carry_their_values_with_nan_and_inf_as_text():
    entry = gradient_entry(torch.tensor([[1.5, math.nan], [math.inf, -math.inf]]))
    assert entry["values"] == [1.5, "nan", "inf", "-inf"]
    assert (entry["nan"], entry["posinf"], entry["neginf"]) == (1, 1, 1)
    assert (entry["norm"], entry["min"], entry["max"], entry["rms"]) == (1.5, 1.5, 1.5, 1.5)
    assert gradient_entry(torch.ones(MAX_VALUES))["values"] == [1.0] * MAX_VALUES
    assert gradient_entry(torch.ones(MAX_VALUES + 1))["values"] is None


def test_a_gradient_with_no_finite_value_has_null_measures_and_counts():
    entry = gradient_entry(torch.full((3,), math.nan))
    assert (entry["norm"], entry["min"], entry["max"], entry["rms"]) == (None, None, None, None)
    assert entry["nan"] == 3


def test_huge_finite_values_do_not_overflow_the_norm():
    values = torch.full((1000,), 3e38)
    entry = gradient_entry(values)
    assert entry["nan"] + entry["posinf"] + entry["neginf"] == 0
    assert entry["norm"] == pytest.approx(3e38 * math.sqrt(1000), rel=1e-6)
    assert entry["rms"] == pytest.approx(3e38, rel=1e-6)


def test_transposed_sliced_and_expanded_gradients_are_measured_as_their_values():
    base = torch.randn(30, 40)
    expanded_column = torch.randn(30, 1).expand(30, 50)
    expanded_scalar = torch.tensor(2.0).expand(5, 7)
    for values in (base.t(), base.permute(1, 0)[::2], base[:, ::3], expanded_scalar, expanded_column):
        assert_measures(gradient_entry(values), oracle(values))


def test_the_expanded_gradient_of_a_mean_over_a_billion_elements_is_measured_from_one_value():
    gradient = torch.tensor(1e-9).expand(1_000, 1_000_000)  # made whole, it would take 4 GB
    entry = gradient_entry(gradient)
    assert entry["norm"] == pytest.approx(1e-9 * math.sqrt(1e9), rel=1e-6)
    assert (entry["min"], entry["max"]) == (pytest.approx(1e-9), pytest.approx(1e-9))
    assert entry["rms"] == pytest.approx(1e-9) and entry["numel"] == 10**9


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_is_summed_in_float32_without_overflow(dtype):
    values = torch.full((4096,), 60000.0 if dtype == torch.float16 else 1e30, dtype=dtype)
    entry = gradient_entry(values)
    assert_measures(entry, oracle(values), rtol=1e-3)
    assert entry["dtype"] == str(dtype).removeprefix("torch.")


def test_complex_gradients_are_measured_by_magnitude():
    values = torch.tensor([3 + 4j, -1j, math.nan + 0j], dtype=torch.complex64)
    entry = gradient_entry(values)
    assert entry["of"] == "magnitude"
    assert entry["norm"] == pytest.approx(math.sqrt(26))
    assert (entry["min"], entry["max"], entry["nan"]) == (1.0, 5.0, 1)
    assert entry["values"] == [5.0, 1.0, "nan"]


def test_sparse_gradients_count_their_implicit_zeros():
    dense = torch.zeros(4, 5)
    dense[1, 2], dense[3, 0] = -2.0, 3.0
    entry = gradient_entry(dense.to_sparse())
    assert_measures(entry, oracle(dense))
    assert entry["values"] == dense.reshape(-1).tolist()


def test_empty_and_meta_gradients_have_no_measures():
    for values in (torch.empty(0, 3), torch.empty(5, device="meta")):
        entry = gradient_entry(values)
        assert (entry["norm"], entry["min"], entry["nan"]) == (None, None, 0)
    assert gradient_entry(torch.empty(5, device="meta"))["values"] is None


def test_a_gradient_larger_than_a_chunk_is_measured_exactly():
    values = torch.randn(3_000_001, generator=torch.Generator().manual_seed(0)) * 3 + 1
    assert_measures(gradient_entry(values), oracle(values))
