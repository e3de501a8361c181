import gc
import types

import pytest
import torch

import torchinspect
from torchinspect import _kernel, inspect, live


@pytest.fixture
def lesson():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return x, A


def test_after_backward_the_inspector_of_a_leaf_shows_its_grad(lesson):
    x, A = lesson
    widget = inspect(x, name="x")
    assert widget.snapshot["grad"] is None
    (0.5 * torch.dot(x, A @ x)).backward()
    live.refresh_live_inspectors()
    assert widget.snapshot["grad"]["shape"] == [20]
    torch.testing.assert_close(
        torch.tensor(widget.snapshot["grad"]["statistics"]["max"]), (0.5 * (A + A.T) @ x.detach()).max()
    )


def test_an_in_place_change_refreshes_the_values(lesson):
    x, _ = lesson
    widget = inspect(x)
    with torch.no_grad():
        x.fill_(2.0)
    live.refresh_live_inspectors()
    assert widget.snapshot["statistics"]["min"] == widget.snapshot["statistics"]["max"] == 2.0
    assert widget.snapshot["version"] == x._version


def test_nothing_is_sent_when_nothing_changed(lesson):
    x, _ = lesson
    widget = inspect(x)
    changes = []
    widget.observe(lambda change: changes.append(change["name"]), names=["snapshot", "graph"])
    live.refresh_live_inspectors()
    live.refresh_live_inspectors()
    assert changes == []


def test_a_new_forward_gives_the_result_a_new_graph(lesson):
    x, A = lesson
    y = x * 2
    widget = inspect(y)
    assert [n["op"] for n in widget.graph["nodes"] if n["kind"] == "op"] == ["MulBackward0"]
    y.tanh_()
    live.refresh_live_inspectors()
    assert [n["op"] for n in widget.graph["nodes"] if n["kind"] == "op"] == ["TanhBackward0", "MulBackward0"]


def test_a_paused_inspector_is_left_as_it_is(lesson):
    x, A = lesson
    widget = inspect(x)
    widget.paused = True
    (x * 3).sum().backward()
    live.refresh_live_inspectors()
    assert widget.snapshot["grad"] is None
    widget.refresh(force=True)
    assert widget.snapshot["grad"] is not None


def test_when_the_tensor_is_freed_the_inspector_says_so_and_keeps_its_picture():
    t = torch.arange(6.0)
    widget = inspect(t, name="t")
    picture = widget.snapshot
    del t
    gc.collect()
    live.refresh_live_inspectors()
    assert widget.gone is True
    assert widget.snapshot == picture


def test_the_page_can_ask_for_a_refresh(lesson, monkeypatch):
    x, _ = lesson
    widget = inspect(x)
    sent = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append(content))
    widget.paused = True
    (x * 3).sum().backward()
    widget._answer(widget, {"kind": "torchinspect:refresh", "id": 4}, [])
    assert sent == [{"kind": "torchinspect:refresh", "id": 4}]
    assert widget.snapshot["grad"] is not None


def test_a_closed_inspector_is_no_longer_tracked(lesson):
    x, _ = lesson
    widget = inspect(x)
    assert widget in live._live
    widget.close()
    assert widget not in live._live


def test_only_a_shell_that_runs_hooks_after_cells_makes_an_inspector_follow_them(lesson, monkeypatch):
    x, _ = lesson
    assert inspect(x).follows_cells is False  # plain Python (and marimo): nothing runs after a cell
    registered = []
    shell = types.SimpleNamespace(events=types.SimpleNamespace(register=lambda *hook: registered.append(hook)))
    monkeypatch.setattr(_kernel, "notebook_shell", lambda: shell)
    monkeypatch.setattr(_kernel, "_hooks", {})
    assert inspect(x).follows_cells is True
    assert registered == [("post_run_cell", live.refresh_live_inspectors)]


def test_writes_the_version_counter_does_not_count_are_shown_after_the_cell():
    numpy = pytest.importorskip("numpy")
    array = numpy.zeros((2, 3), dtype=numpy.float32)
    shared = torch.from_numpy(array)
    shared_view = inspect(shared)
    parameter = torch.nn.Parameter(torch.zeros(3))
    parameter_view = inspect(parameter)
    array[0, 0] = 100  # NumPy writes into the tensor's memory
    parameter.data.add_(5)  # .data has its own version counter
    live.refresh_live_inspectors()
    assert shared_view.snapshot["statistics"]["max"] == 100
    assert parameter_view.snapshot["statistics"]["min"] == 5
    parameter.data = torch.ones(4)
    live.refresh_live_inspectors()
    assert parameter_view.snapshot["shape"] == [4]
    parameter.requires_grad_(False)
    live.refresh_live_inspectors()
    assert parameter_view.snapshot["requires_grad"] is False


@pytest.fixture
def notebook(monkeypatch):
    """A shell that runs hooks after cells, as IPython does; ``end_cell()`` runs them."""
    shell = types.SimpleNamespace(events=types.SimpleNamespace(register=lambda *hook: None))
    monkeypatch.setattr(_kernel, "notebook_shell", lambda: shell)
    monkeypatch.setattr(_kernel, "_hooks", {})
    return types.SimpleNamespace(end_cell=live.refresh_live_inspectors)


def displayed(widget):
    widget._repr_mimebundle_()  # what IPython does to show it
    return widget


def test_a_card_follows_cells_that_compute_and_stays_as_of_its_cell_once_a_later_cell_shows_output(lesson, notebook):
    x, A = lesson
    first = displayed(inspect(x, name="x"))  # cell 1
    notebook.end_cell()
    y = 0.5 * torch.dot(x, A @ x)  # cell 2 only computes: the card follows it
    y.backward()
    notebook.end_cell()
    assert first.snapshot["grad"]["shape"] == [20] and first.paused is False
    as_of_its_cell = first.snapshot
    with torch.no_grad():  # cell 3 changes x and shows new output: the learner moved on
        x.mul_(2)
    second = displayed(inspect(x, name="x"))
    notebook.end_cell()
    assert first.snapshot is as_of_its_cell and (first.paused, first.superseded) == (True, True)
    assert second.snapshot["version"] == x._version and second.paused is False
    # The page's Resume shows the latest state, and the card follows every cell from then on.
    first.set_state({"paused": False})
    assert first.snapshot["version"] == x._version and first.superseded is False
    with torch.no_grad():
        x.add_(1)
    displayed(torchinspect.compare(x, x))
    notebook.end_cell()
    assert first.paused is False and first.snapshot["version"] == x._version
    assert second.paused is True and second.superseded is True


def test_outside_a_notebook_showing_output_holds_nothing(lesson):
    x, _ = lesson
    first = inspect(x)
    displayed(inspect(x))
    with torch.no_grad():
        x.fill_(3.0)
    live.refresh_live_inspectors()
    assert first.paused is False and first.snapshot["statistics"]["min"] == 3.0
