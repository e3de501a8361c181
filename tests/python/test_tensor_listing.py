import gc
import weakref

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from snapshot_cases import CASES
from torchinspect.lab import listing as tensor_listing
from torchinspect.lab.listing import TensorListing, changed_rows, nonfinite_counts

NO_SPECIALS = {"nan": 0, "posinf": 0, "neginf": 0}


@pytest.fixture
def counted(monkeypatch):
    """The tensors counted for NaN/Inf, by the listing, in order."""
    seen = []

    def counting(tensor):
        seen.append(tensor)
        return nonfinite_counts(tensor)

    monkeypatch.setattr(tensor_listing, "nonfinite_counts", counting)
    return seen


def test_tensors_and_module_parameters_are_listed_with_their_summary():
    x = torch.randn(20, requires_grad=True)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    rows = TensorListing().list({"x": x, "model": model, "label": "text", "_private": x, "numbers": [x]}).rows
    assert list(rows) == ["x", "model.0.weight", "model.0.bias"]
    assert rows["x"]["summary"] == "tensor[20] float32 cpu requires_grad leaf grad=None"
    assert (rows["x"]["group"], rows["model.0.bias"]["group"], rows["model.0.bias"]["group_type"]) == (None, "model", "Sequential")
    assert rows["model.0.weight"]["shape"] == [3, 2]


def test_ipythons_own_variables_are_not_listed():
    t = torch.zeros(1)
    rows = TensorListing().list({"t": t, "Out": {}, "kept": t}, hidden={"kept": t}).rows
    assert list(rows) == ["t"]


def test_nan_and_inf_are_counted_in_values_and_in_the_grad():
    x = torch.tensor([1.0, float("nan"), float("inf"), float("-inf")], requires_grad=True)
    (x * torch.tensor([float("nan"), 1.0, 0.0, 1.0])).nansum().backward()
    row = TensorListing().list({"x": x}).rows["x"]
    assert row["nonfinite"] == {"nan": 1, "posinf": 1, "neginf": 1}
    assert row["grad_nonfinite"] == {"nan": 1, "posinf": 0, "neginf": 0}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_kind_of_tensor_gets_a_row(case):
    row = TensorListing().list({"t": CASES[case]()}).rows["t"]
    assert row["summary"].startswith("tensor[")
    assert row["nonfinite"] is not None or row["not_counted"]


def test_an_unchanged_tensor_is_not_counted_again(counted):
    x, A = torch.randn(20), torch.randn(20, 20)
    listing = TensorListing()
    listing.list({"x": x, "A": A})
    assert counted == [x, A]
    listing.list({"x": x, "A": A})
    assert counted == [x, A]
    A.mul_(2)
    listing.list({"x": x, "A": A})
    assert counted == [x, A, A]


def test_integers_are_never_read():
    listing = TensorListing()
    row = listing.list({"i": torch.arange(10**7)}).rows["i"]
    assert row["nonfinite"] == NO_SPECIALS and row["not_counted"] is None


def test_past_the_budget_a_tensor_waits_for_a_later_listing(counted):
    first, second = torch.zeros(600), torch.full((600,), float("nan"))
    listing = TensorListing(scan_budget=1000)
    rows = listing.list({"first": first, "second": second}).rows
    assert rows["second"]["nonfinite"] is None and "next cell" in rows["second"]["not_counted"]
    rows = listing.list({"first": first, "second": second}).rows
    assert rows["second"]["nonfinite"] == {"nan": 600, "posinf": 0, "neginf": 0}
    assert counted == [first, second]


def test_a_tensor_too_large_to_count_each_cell_is_counted_once_opened():
    big = torch.zeros(2000)
    listing = TensorListing(scan_budget=1000)
    row = listing.list({"big": big}).rows["big"]
    assert row["nonfinite"] is None and row["not_counted"].startswith("2,000 values are too many")
    listing.remember(big, {"nan": 3, "posinf": 0, "neginf": 0})
    assert listing.list({"big": big}).rows["big"]["nonfinite"] == {"nan": 3, "posinf": 0, "neginf": 0}


def test_rows_past_the_limit_are_counted_not_listed():
    namespace = {f"t{i}": torch.zeros(1) for i in range(7)}
    listing = TensorListing(max_rows=5).list(namespace)
    assert list(listing.rows) == ["t0", "t1", "t2", "t3", "t4"] and listing.omitted == 2


def test_a_listing_keeps_no_tensor_alive():
    t = torch.zeros(3, requires_grad=True)
    t.sum().backward()
    watched = [weakref.ref(t), weakref.ref(t.grad)]
    listing = TensorListing()
    listing.list({"t": t})
    del t
    gc.collect()
    assert [ref() for ref in watched] == [None, None]


def test_a_new_tensor_at_a_freed_ones_address_is_counted_afresh():
    listing = TensorListing()
    first = torch.zeros(4)
    listing.list({"t": first})
    address = id(first)
    del first
    # Python hands the freed address to one of the next objects of the same size.
    candidates = [torch.full((4,), float("inf")) for _ in range(50)]
    reused = next(t for t in candidates if id(t) == address)
    rows = listing.list({"t": reused}).rows
    assert rows["t"]["nonfinite"] == {"nan": 0, "posinf": 4, "neginf": 0}


def test_odd_objects_in_the_namespace_are_skipped_without_running_their_code():
    class Proxy:
        @property
        def __class__(self):
            raise AssertionError("the listing ran the object's code")

    lazy = torch.nn.LazyLinear(2)
    rows = TensorListing().list({"proxy": Proxy(), "lazy": lazy}).rows
    assert rows["lazy.weight"]["summary"].startswith("uninitialized (lazy) parameter")


def test_changed_rows_are_the_new_and_the_different_ones():
    sent = {"a": {"name": "a", "v": 1}, "b": {"name": "b", "v": 1}}
    rows = {"a": {"name": "a", "v": 1}, "c": {"name": "c", "v": 2}}
    assert changed_rows(sent, rows) == ([{"name": "c", "v": 2}], ["b"])


class _Kernels(TorchDispatchMode):
    """Records every kernel torch runs: reading a tensor's values takes one, its header none."""

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ran.append(str(func))
        return func(*args, **(kwargs or {}))


def test_a_listing_of_unchanged_tensors_runs_no_kernel_on_them():
    x = torch.randn(1000, requires_grad=True)
    (x * 2).sum().backward()
    names = {"x": x, "model": torch.nn.Linear(30, 20), "y": torch.full((50,), float("nan"))}
    listing = TensorListing()
    with _Kernels() as first:
        rows = listing.list(names).rows
    assert first.ran, "the first listing counts NaN and Inf, which reads the values"
    with _Kernels() as unchanged:
        again = listing.list(names).rows
    assert unchanged.ran == []
    assert again == rows and changed_rows(rows, again) == ([], [])
    names["y"].zero_()
    x.grad.zero_()
    with _Kernels() as after_writes:
        changed = listing.list(names).rows
    assert after_writes.ran, "a tensor written in place is read again"
    assert changed_rows(rows, changed)[0] == [changed["y"]] and changed["y"]["nonfinite"]["nan"] == 0


def test_a_row_follows_what_changes_without_a_write_to_the_values():
    x = torch.ones(3)
    listing = TensorListing()
    assert listing.list({"x": x}).rows["x"]["requires_grad"] is False
    x.requires_grad_()
    row = listing.list({"x": x}).rows["x"]
    assert row["requires_grad"] is True and row["grad_shape"] is None
    x.sum().backward()
    assert listing.list({"x": x}).rows["x"]["grad_shape"] == [3]
    x.data = torch.full((2,), float("inf"))
    row = listing.list({"x": x}).rows["x"]
    assert (row["shape"], row["nonfinite"]) == ([2], {"nan": 0, "posinf": 2, "neginf": 0})
