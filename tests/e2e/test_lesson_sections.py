"""Each section notebook of the lesson in a real JupyterLab: it runs, and every widget it displays
is drawn live. The opening notebook has its own, closer test in test_jupyterlab.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from test_jupyterlab import RUN_TIMEOUT_MS, open_and_run
from test_notebooks import CLOSE, NOT_CLOSE, SECTIONS, VERDICTS

SHOWCASE = {
    "02_creating_tensors.ipynb": ("x", "cell"),
    "03_operations.ipynb": ("flipped", "cell"),
    "04_linear_algebra.ipynb": ("approximation", "cell"),
    "05_building_functions.ipynb": ("module_mse", "graph"),
    "06_computing_gradients.ipynb": ("y", "graph"),
    "07_exercises.ipynb": ("z", "cell"),
    "08_training_watched.ipynb": ("0.weight", "cell"),
}
"""What each section's screenshot shows: the cell of one of its inspectors, or that inspector's graph."""


def widget_outputs(page: Page) -> int:
    """How many widget outputs the notebook's cells hold, from JupyterLab's own model."""
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .flatMap(cell => cell.model.type === 'code' ? cell.model.outputs.toJSON() : [])
            .filter(output => 'application/vnd.jupyter.widget-view+json' in (output.data ?? {}))
            .length"""
    )


def scroll_to_top(page: Page, part: Locator) -> None:
    """Scrolls the notebook so that ``part`` of an output starts at the top of the view."""
    # Cells above may still grow as they are drawn: scroll again until the part stays put.
    part.evaluate(
        """async part => {
            const scroller = part.closest('.jp-WindowedPanel-outer');
            for (let settled = 0, tries = 0; settled < 3 && tries < 50; tries++) {
                const offset = part.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 8;
                settled = Math.abs(offset) < 2 ? settled + 1 : 0;
                scroller.scrollTop += offset;
                await new Promise(resolve => setTimeout(resolve, 100));
            }
        }"""
    )
    expect(part).to_be_in_viewport()


@pytest.mark.parametrize("notebook", SECTIONS)
def test_section_runs_and_draws_every_widget(page: Page, jupyterlab, screenshot, notebook: str):
    open_and_run(page, jupyterlab, notebook)
    outputs = page.locator(".jp-OutputArea-output")
    # A find_nan report is one widget, whose own inspectors (the op's tensors) are not counted;
    # so is a model inspector or a training watch.
    widgets = outputs.locator(
        ".torchinspect-inspector:not(.torchinspect-nan *, .torchinspect-model *), .torchinspect-comparison,"
        " .torchinspect-nan, .torchinspect-model, .torchinspect-watch"
    )
    expect(widgets).to_have_count(widget_outputs(page), timeout=RUN_TIMEOUT_MS)
    # The live widgets are drawn, not the static fallbacks that travel beside them.
    expect(page.locator(".torchinspect-static")).to_have_count(0)
    verdicts = outputs.locator(".torchinspect-verdict")
    expect(verdicts).to_have_count(len(VERDICTS[notebook]))
    passed = verdicts.evaluate_all("lines => lines.map(line => line.classList.contains('is-close'))")
    assert [CLOSE if close else NOT_CLOSE for close in passed] == VERDICTS[notebook]
    for graph in outputs.locator(".torchinspect-graph-section").all():
        expect(graph.locator(".torchinspect-graph-box").first).to_be_visible()
    name, part = SHOWCASE[notebook]
    summary = page.locator(".torchinspect-summary", has_text=re.compile(rf"^{name}: "))
    cell = page.locator(".jp-Notebook .jp-Cell").filter(has=summary).first
    page.evaluate("window.jupyterapp.shell.collapseLeft()")
    page.set_viewport_size({"width": 1200, "height": 1000})
    scroll_to_top(page, cell if part == "cell" else cell.locator(".torchinspect-graph-section"))
    screenshot(page, f"lesson-{notebook.removesuffix('.ipynb')}")
    assert page.errors.messages == []
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


def test_exercise_solutions_stay_collapsed_after_running(page: Page, jupyterlab):
    open_and_run(page, jupyterlab, "07_exercises.ipynb")
    # A collapsed cell shows its first line instead of its source; its output stays in view.
    placeholders = page.locator(".jp-Cell .jp-InputPlaceholder")
    expect(placeholders).to_have_count(7)
    for placeholder in placeholders.all():
        expect(placeholder).to_contain_text("# Solution to exercise")
    solved = page.locator(".jp-Cell", has=page.locator(".jp-InputPlaceholder")).locator(
        ".torchinspect-verdict.is-close"
    )
    expect(solved).to_have_count(7)
    assert page.errors.messages == []
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
