"""`jupyter nbconvert --to html` of the executed lesson: what the HTML shows of the inspectors.

nbconvert draws one form of each output. A notebook saved without widget state (JupyterLab's
default) has no model behind its widget views, so nbconvert skips them and draws our
text/html: the summary and the static table. A notebook saved with the state (nbclient's and
`nbconvert --execute`'s default) gets the live widget instead, drawn by a widget manager
that nbconvert's page loads from unpkg; clearing the metadata brings the static views back.
"""

from __future__ import annotations

import copy
import pathlib
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbclient import NotebookClient
from playwright.sync_api import Browser, expect

REPO = pathlib.Path(__file__).parents[2]
LESSON = REPO / "examples" / "01_pytorch_can_differentiate.ipynb"
SNAPSHOT_MIME = "application/vnd.torchinspect.tensor+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_VIEW = '<script type="application/vnd.jupyter.widget-view+json">'
FIELDS = ["shape", "dtype", "device", "requires_grad", "grad_fn", "is_leaf", "grad"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> nbformat.NotebookNode:
    """The lesson run top to bottom in a real kernel, its widget state saved in the notebook."""
    notebook = nbformat.read(LESSON, as_version=4)
    workdir = tmp_path_factory.mktemp("nbconvert")
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
    assert "widgets" in notebook.metadata
    return notebook


def summaries(notebook: nbformat.NotebookNode) -> list[str]:
    """The one-line summary of every inspector the notebook displayed, in order."""
    return [
        output["data"]["text/plain"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if SNAPSHOT_MIME in output.get("data", {})
    ]


def nbconvert(notebook: nbformat.NotebookNode, folder: pathlib.Path, *options: str) -> pathlib.Path:
    source = folder / "lesson.ipynb"
    nbformat.write(notebook, source)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", *options, str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return folder / "lesson.html"


def assert_static_views(page: str, lines: list[str]) -> None:
    """Each inspector drawn as its summary over the static table, and no widget left to load."""
    assert len(lines) >= 4
    soup = BeautifulSoup(page, "html.parser")
    views = soup.select(".torchinspect-static")
    assert [view.pre.get_text() for view in views] == lines
    for view in views:
        assert [th.get_text() for th in view.select("th")] == FIELDS
    assert soup.select('script[type="application/vnd.jupyter.widget-view+json"]') == []
    assert "model not found" not in soup.get_text().lower()


def test_saved_as_jupyterlab_saves_it_the_html_shows_the_static_views(executed, tmp_path, browser: Browser, screenshot):
    notebook = copy.deepcopy(executed)
    del notebook.metadata["widgets"]  # JupyterLab saves no widget state unless told to
    path = nbconvert(notebook, tmp_path)
    lines = summaries(notebook)
    assert_static_views(path.read_text(encoding="utf-8"), lines)

    context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        expect(page.locator(".torchinspect-static pre")).to_have_text(lines)
        expect(page.locator(".torchinspect-static").first.locator("td code").first).to_have_text("[20]")
        screenshot(page, "nbconvert-lesson")
    finally:
        context.close()


def test_with_widget_state_the_html_embeds_the_widget_and_clearing_it_restores_the_static_views(executed, tmp_path):
    with_state = nbconvert(executed, tmp_path).read_text(encoding="utf-8")
    widgets = [output for cell in executed.cells for output in cell.get("outputs", []) if WIDGET_MIME in output.get("data", {})]
    assert with_state.count(WIDGET_VIEW) == len(widgets)
    assert "torchinspect-static" not in with_state
    assert "https://unpkg.com/@jupyter-widgets/html-manager" in with_state

    (tmp_path / "cleared").mkdir()
    cleared = nbconvert(executed, tmp_path / "cleared", "--ClearMetadataPreprocessor.enabled=True")
    assert_static_views(cleared.read_text(encoding="utf-8"), summaries(executed))
