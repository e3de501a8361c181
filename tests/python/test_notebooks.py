"""The lesson notebooks in examples/: each runs top to bottom in a fresh kernel without an error,
and its inspectors and comparisons show what the lesson's text says they show."""

from __future__ import annotations

import pathlib
import re
from typing import Any, NamedTuple

import nbformat
import pytest
import torch

REPO = pathlib.Path(__file__).parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.ipynb"))
LESSON = "01_pytorch_can_differentiate.ipynb"
"""The lesson's opening, which `make lab` opens; the sections follow it in file-name order."""
SECTIONS = [path.name for path in EXAMPLES if path.name != LESSON]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SNAPSHOT_MIME = "application/vnd.torchinspect.tensor+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STATS = r"∈\[\S+, \S+\] μ=\S+ σ=\S+"
LESSON_SUMMARIES = [
    rf"x: tensor\[20\] float32 cpu {STATS} requires_grad leaf grad=None",
    rf"A: tensor\[20, 20\] float32 cpu {STATS}",
    r"y: tensor\[\] float32 cpu =\S+ requires_grad grad_fn=MulBackward0",
    rf"x: tensor\[20\] float32 cpu {STATS} requires_grad leaf grad=tensor\[20\]",
    r"close: assert_close passes \(rtol=1\.3e-06, atol=1e-05\)",
]
"""What the opening's widgets say in text, in order: four inspectors, then the comparison."""

CLOSE, NOT_CLOSE = "close", "not close"
VERDICTS = {
    LESSON: [CLOSE],
    "02_creating_tensors.ipynb": [NOT_CLOSE],  # the tensor that shares NumPy's memory saw the write
    "03_operations.ipynb": [CLOSE],
    # The last: a rank-2 approximation is not close to the noisy matrix it was cut from.
    "04_linear_algebra.ipynb": [CLOSE] * 6 + [NOT_CLOSE],
    "05_building_functions.ipynb": [CLOSE],
    "06_computing_gradients.ipynb": [CLOSE] * 7,
    # Each "your answer" placeholder is not close, and the solution after it is. Exercise 1 (b)
    # asks a question instead, answered by its solution.
    "07_exercises.ipynb": [NOT_CLOSE, CLOSE, CLOSE] + [NOT_CLOSE, CLOSE] * 5,
    "08_training_watched.ipynb": [CLOSE],  # the watch's gradient norm against torch's
}
"""The verdict of every `compare` in each notebook, in order: the checks the text relies on."""


class Shown(NamedTuple):
    """One widget a notebook displayed."""

    text: str
    """Its text/plain form, as displayed."""
    displayed: dict[str, Any] | None
    """An inspector's snapshot as displayed (None for a comparison)."""
    final: dict[str, Any]
    """Its synced state after the last cell: what the live widget shows then."""

    @property
    def name(self) -> str | None:
        return None if self.displayed is None else self.displayed["name"]


@pytest.fixture(scope="session")
def run_notebook(executed_lessons: pathlib.Path):
    """A notebook of examples/ as it was saved after running in a fresh kernel, with its widgets."""

    def run(name: str) -> tuple[nbformat.NotebookNode, list[Shown]]:
        notebook = nbformat.read(executed_lessons / name, as_version=4)
        return notebook, _widgets_shown(notebook)

    return run


def _widgets_shown(notebook: nbformat.NotebookNode) -> list[Shown]:
    states = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [
        Shown(output["data"]["text/plain"], output["data"].get(SNAPSHOT_MIME), states[model_id]["state"])
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if (model_id := output.get("data", {}).get(WIDGET_MIME, {}).get("model_id"))
    ]


def inspector(shown: list[Shown], name: str) -> Shown:
    """The first inspector displayed under ``name``."""
    return next(widget for widget in shown if widget.name == name)


def graph_ops(widget: Shown) -> list[str]:
    return sorted(node["op"] for node in widget.final["graph"]["nodes"] if node["op"] is not None)


def leaf_names(widget: Shown) -> set[str]:
    return {node["name"] for node in widget.final["graph"]["nodes"] if node["kind"] == "leaf"}


def verdicts(shown: list[Shown]) -> list[str]:
    return [
        CLOSE if widget.final["comparison"]["verdict"]["passed"] else NOT_CLOSE
        for widget in shown
        if "comparison" in widget.final
    ]


def test_make_lab_opens_the_lessons_start():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^LESSON := (\S+)$", makefile, re.MULTILINE).group(1) == LESSON
    assert EXAMPLES[0].name == LESSON
    assert SECTIONS, "the lesson has no sections"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.id for cell in code if cell.outputs or cell.execution_count is not None] == []
    assert "widgets" not in notebook.metadata


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_notebook_runs_without_error(path, run_notebook):
    notebook, shown = run_notebook(path.name)
    errors = [
        f"{output.ename}: {output.evalue}"
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    assert any(widget.displayed for widget in shown), "no inspector was displayed"
    assert verdicts(shown) == VERDICTS[path.name]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_notebook_links_lead_to_lesson_notebooks(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown")
    targets = set(re.findall(r"\]\(([^)#]+\.ipynb)\)", text))
    assert targets <= {example.name for example in EXAMPLES}
    if path.name == LESSON:
        assert targets == set(SECTIONS), "the opening lists every section"
    else:
        assert LESSON in targets, "every section links back to the opening's contents"


def test_lesson_shows_x_gaining_its_grad(run_notebook):
    _, shown = run_notebook(LESSON)
    summaries = [widget.text for widget in shown]
    assert len(summaries) == len(LESSON_SUMMARIES)
    for summary, pattern in zip(summaries, LESSON_SUMMARIES):
        assert re.fullmatch(pattern, summary), summary
    # Each card stays as of its own cell once a later cell shows new output: the first card of
    # x, displayed before the cell that ran backward() and showed x again, keeps grad=None,
    # and y's forward graph shows no gradients.
    assert shown[0].final["snapshot"]["summary"] == shown[0].text
    assert (shown[0].final["paused"], shown[0].final["superseded"]) == (True, True)
    assert shown[2].final["gradients"] == {} and shown[2].final["superseded"] is True
    assert shown[3].final["snapshot"]["summary"] == shown[3].text


def closed_form_gradient() -> torch.Tensor:
    """½(A + Aᵀ)x for the lesson's seeded x and A, computed here as the oracle."""
    torch.manual_seed(0)
    x = torch.randn(20)
    A = torch.randn(20, 20)
    return 0.5 * (A + A.T) @ x


@pytest.mark.parametrize("name", [LESSON, "06_computing_gradients.ipynb"])
def test_the_inspector_of_x_shows_the_closed_form_gradient(name, run_notebook):
    _, shown = run_notebook(name)
    after_backward = next(widget for widget in shown if widget.name == "x" and widget.displayed["grad"])
    statistics = after_backward.displayed["grad"]["statistics"]
    expected = closed_form_gradient()
    assert after_backward.displayed["grad"]["shape"] == [20]
    assert statistics["min"] == pytest.approx(expected.min().item(), abs=1e-5)
    assert statistics["max"] == pytest.approx(expected.max().item(), abs=1e-5)
    assert statistics["mean"] == pytest.approx(expected.mean().item(), abs=1e-5)


def test_creating_tensors_reads_every_field(run_notebook):
    _, shown = run_notebook("02_creating_tensors.ipynb")
    x = inspector(shown, "x").displayed
    assert (x["shape"], x["dtype"], x["device"], x["numel"]) == ([2, 3], "float32", "cpu", 6)
    assert (x["requires_grad"], x["grad_fn"], x["is_leaf"], x["grad"]) == (False, None, True, None)
    assert inspector(shown, "counts").displayed["dtype"] == "int64"
    assert inspector(shown, "shared").displayed["dtype"] == "float64"
    numpy_write = next(widget for widget in shown if "comparison" in widget.final)
    assert numpy_write.final["comparison"]["verdict"]["mismatched"] == 1
    assert inspector(shown, "normal").displayed["statistics"]["std"] == pytest.approx(1, abs=0.05)
    v = inspector(shown, "v")
    assert (v.displayed["grad_fn"], v.displayed["is_leaf"]) == ("AddBackward0", False)
    assert leaf_names(v) == {"w"}


def test_operations_show_strides_views_and_versions(run_notebook):
    _, shown = run_notebook("03_operations.ipynb")
    assert inspector(shown, "stretched").displayed["strides"] == [0, 1]
    m = inspector(shown, "m")
    assert m.displayed["base"] == {"shape": [12], "dtype": "float32"}
    row = inspector(shown, "second_row")
    assert (row.displayed["storage_offset"], row.displayed["version"]) == (4, 0)
    # Written through the view in a cell that shows no card: the view's card updated; m's, shown
    # before other cards, stays as of its cell until asked for the latest (the text says so).
    assert row.final["snapshot"]["version"] == 1
    assert row.final["snapshot"]["statistics"]["min"] == -1
    assert (m.final["snapshot"]["version"], m.final["superseded"]) == (0, True)
    flipped = inspector(shown, "flipped").displayed
    assert (flipped["strides"], flipped["is_contiguous"], flipped["is_view"]) == ([1, 4], False, True)
    flat = inspector(shown, "flat").displayed
    assert (flat["is_contiguous"], flat["base"]) == (True, None)
    assert inspector(shown, "evens").displayed["base"] is None
    assert inspector(shown, "counter").final["snapshot"]["version"] == 3
    assert inspector(shown, "q").displayed["version"] == 1


def test_linear_algebra_shows_its_matrices(run_notebook):
    _, shown = run_notebook("04_linear_algebra.ipynb")
    assert inspector(shown, "batch").displayed["shape"] == [10, 4, 2]
    assert inspector(shown, "rotation_eigenvalues").displayed["dtype"] == "complex64"
    singular_values = inspector(shown, "S").displayed
    assert singular_values["shape"] == [40]
    for name in ["C", "outer", "M", "Q", "X", "approximation"]:
        preview = inspector(shown, name).displayed["preview"]
        assert preview is not None and len(preview["shape"]) == 2, f"{name} has no heatmap"


def test_building_functions_draws_their_graphs(run_notebook):
    _, shown = run_notebook("05_building_functions.ipynb")
    f = inspector(shown, "f")
    assert graph_ops(f) == ["AccumulateGrad", "DotBackward0", "MulBackward0", "MvBackward0"]
    assert leaf_names(f) == {"x"}
    loss = inspector(shown, "loss")
    assert graph_ops(loss) == sorted(
        ["AccumulateGrad", "MvBackward0", "SubBackward0", "PowBackward0", "MeanBackward0", "MulBackward0"]
    )
    assert graph_ops(inspector(shown, "out")).count("SinBackward0") == 3
    assert leaf_names(inspector(shown, "mse")) == {"W1", "b1", "W2", "b2"}
    assert leaf_names(inspector(shown, "module_mse")) == {
        "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias",
    }  # fmt: skip
    grouped = inspector(shown, "grouped_mse").final["graph"]["nodes"]
    made_by = sorted((node["op"], node["metadata"].get("module", "outside")) for node in grouped if node["kind"] == "op")
    assert made_by == [
        ("AddmmBackward0", "0"), ("AddmmBackward0", "2"), ("MseLossBackward0", "outside"),
        ("TBackward0", "0"), ("TBackward0", "2"), ("TanhBackward0", "1"),
    ]  # fmt: skip


def test_computing_gradients_updates_its_inspectors(run_notebook):
    _, shown = run_notebook("06_computing_gradients.ipynb")
    y = inspector(shown, "y")
    assert len(y.final["graph"]["nodes"]) == 5
    # The next cell only runs y.backward(): the same inspector takes the pass, as the text says.
    assert y.final["gradients"]["passes"] == 1
    # x's card under "After backward()" stays as of its cell: later cells that set x.grad to x
    # (section "detach") leave it showing the gradient of y.
    x = inspector(shown, "x")
    assert x.final["superseded"] is True
    assert x.final["snapshot"]["grad"]["statistics"] == x.displayed["grad"]["statistics"]
    assert y.final["gone"] is False, "y, whose graph the text returns to, must stay alive"
    a = inspector(shown, "A").displayed
    assert (a["requires_grad"], a["grad"]["shape"]) == (True, [20, 20])
    y_value = inspector(shown, "y_value").displayed
    assert (y_value["requires_grad"], y_value["grad_fn"]) == (False, None)
    z = inspector(shown, "z").final["snapshot"]
    assert z["version"] == 200
    assert max(abs(z["grad"]["statistics"]["min"]), abs(z["grad"]["statistics"]["max"])) < 1e-4
    frozen = inspector(shown, "frozen").displayed
    assert (frozen["requires_grad"], frozen["is_leaf"]) == (False, True)


def test_the_sigmoid_chain_exercise_shows_its_gradient_vanishing(run_notebook):
    _, shown = run_notebook("07_exercises.ipynb")
    h = inspector(shown, "h").final
    assert graph_ops(inspector(shown, "h")).count("SigmoidBackward0") == 10
    assert h["gradients"]["passes"] == 1, "inspected after backward(), the pass would not be recorded"
    (flag,) = h["gradients"]["flags"]
    assert flag["kind"] == "vanishing"
    assert flag["message"].startswith("The gradient has vanished at the leaf start")


def test_exercise_solutions_are_collapsed():
    cells = nbformat.read(REPO / "examples" / "07_exercises.ipynb", as_version=4).cells
    hidden = [cell for cell in cells if cell.metadata.get("jupyter", {}).get("source_hidden")]
    # JupyterLab shows a collapsed cell as its first line, and opens a collapsed markdown cell
    # when it runs: so every solution is a code cell that starts by naming its exercise.
    assert [cell.cell_type for cell in hidden] == ["code"] * 7
    assert all(cell.source.startswith("# Solution to exercise") for cell in hidden)
    answers = [cell for cell in cells if cell.source.startswith("# your answer")]
    assert len(answers) == 6
    assert not any(cell in hidden for cell in answers)
    # Each placeholder answer is followed by its solution.
    for answer in answers:
        assert cells[cells.index(answer) + 1] in hidden
