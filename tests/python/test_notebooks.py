"""Every notebook in examples/ runs top to bottom in a real kernel without an error."""

import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = sorted((pathlib.Path(__file__).parents[2] / "examples").glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATS = r"∈\[\S+, \S+\] μ=\S+ σ=\S+"
LESSON_SUMMARIES = [
    rf"x: tensor\[20\] float32 cpu {STATS} requires_grad leaf grad=None",
    rf"A: tensor\[20, 20\] float32 cpu {STATS}",
    r"y: tensor\[\] float32 cpu =\S+ requires_grad grad_fn=MulBackward0",
    rf"x: tensor\[20\] float32 cpu {STATS} requires_grad leaf grad=tensor\[20\]",
    r"close: assert_close passes \(rtol=1\.3e-06, atol=1e-05\)",
]
"""What the lesson's widgets say in text, in order: four inspectors, then the comparison."""


def test_there_are_example_notebooks():
    assert EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_notebook_runs_without_error(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any(WIDGET_MIME in output.get("data", {}) for output in outputs), "no inspector was displayed"


def test_lesson_shows_x_gaining_its_grad():
    notebook = nbformat.read(EXAMPLES[0], as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    summaries = [
        output["data"]["text/plain"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if WIDGET_MIME in output.get("data", {})
    ]
    assert len(summaries) == len(LESSON_SUMMARIES)
    for summary, pattern in zip(summaries, LESSON_SUMMARIES):
        assert re.fullmatch(pattern, summary), summary
