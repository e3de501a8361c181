"""The extension in Notebook 7, in Chromium: its pages load it, the Tensors sidebar sits in the
left side panel, inspectors open in the right one, and saved inspector outputs reopen as static views."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from notebook_pages import (
    INSPECTOR_CELLS,
    LESSON_CELLS,
    SIDEBAR,
    TIMEOUT_MS,
    inspector,
    listed_names,
    open_notebook,
    row,
    run_cell,
    run_command,
    save_and_close,
    shut_down_kernels,
    summary_of,
    write_notebook,
)

PLUGINS = ["torchinspect:sidebar", "torchinspect:commands", "torchinspect:saved-outputs", "torchinspect:snapshot-renderer"]
# Notebook 7.6.5 throws this on every page load, with torchinspect disabled as well.
NOTEBOOK7_OWN_ERROR = "Cannot read properties of undefined (reading 'schema')"


def errors_of_ours(page: Page) -> list[str]:
    return [message for message in page.errors.messages if NOTEBOOK7_OWN_ERROR not in message]


def plugins_activated(page: Page) -> list[bool]:
    return page.evaluate("ids => ids.map(id => window.jupyterapp.isPluginActivated(id))", PLUGINS)


def test_the_tree_page_loads_the_extension(page: Page, notebook7):
    page.goto(notebook7.tree_url())
    page.wait_for_function("ids => ids.every(id => window.jupyterapp?.isPluginActivated(id))", arg=PLUGINS, timeout=TIMEOUT_MS)
    assert plugins_activated(page) == [True] * len(PLUGINS)
    assert errors_of_ours(page) == []


def test_the_sidebar_lists_the_lesson_in_the_left_panel_and_inspects_in_the_right(page: Page, notebook7, screenshot):
    name = "notebook7_lesson.ipynb"
    write_notebook(notebook7, name, LESSON_CELLS)
    try:
        open_notebook(page, notebook7, name)
        assert plugins_activated(page) == [True] * len(PLUGINS)
        run_cell(page, 0)
        run_command(page, "torchinspect:open-sidebar")
        expect(summary_of(page, "x")).to_have_text("tensor[20] float32 cpu requires_grad leaf grad=None", timeout=TIMEOUT_MS)
        expect(summary_of(page, "A")).to_have_text("tensor[20, 20] float32 cpu")
        assert page.evaluate("[...window.jupyterapp.shell.widgets('left')].map(w => w.id)").count("torchinspect-tensors") == 1
        run_cell(page, 1)
        run_cell(page, 2)
        expect(summary_of(page, "x")).to_have_text("tensor[20] float32 cpu requires_grad leaf grad=tensor[20]")
        assert listed_names(page) == ["A", "x", "y"]
        row(page, "x").click()
        panel = inspector(page, "x")
        expect(panel.locator(".torchinspect-summary")).to_contain_text("requires_grad leaf grad=tensor[20]", timeout=TIMEOUT_MS)
        right = page.evaluate("[...window.jupyterapp.shell.widgets('right')].filter(w => w.isVisible).map(w => w.title.label)")
        assert right == ["x"]
        expect(page.locator(SIDEBAR)).to_be_visible()
        screenshot(page, "notebook7-sidebar")
        assert errors_of_ours(page) == []
    finally:
        shut_down_kernels(notebook7, [name])


def test_a_reopened_notebook_shows_static_views(page: Page, notebook7, screenshot):
    name = "notebook7_saved.ipynb"
    write_notebook(notebook7, name, INSPECTOR_CELLS)
    try:
        open_notebook(page, notebook7, name)
        for index in range(len(INSPECTOR_CELLS)):
            run_cell(page, index)
        expect(page.locator(".jp-OutputArea-output .torchinspect-livebar")).to_have_count(3, timeout=TIMEOUT_MS)
        save_and_close(page, notebook7, name)
        open_notebook(page, notebook7, name)
        static = page.locator(".jp-OutputArea-output .torchinspect-output .torchinspect-inspector")
        expect(static).to_have_count(3, timeout=TIMEOUT_MS)
        expect(page.get_by_text("Error displaying widget")).to_have_count(0)
        expect(static.nth(2).locator(".torchinspect-summary")).to_have_text(re.compile(r"^x: tensor\[20\] .* grad=tensor\[20\]$"))
        screenshot(page, "notebook7-saved-outputs-reopened")
        assert errors_of_ours(page) == []
    finally:
        shut_down_kernels(notebook7, [name])
