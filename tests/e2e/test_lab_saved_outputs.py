"""Saved inspector outputs in JupyterLab: live while their widget lives, static views once it is gone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from notebook_pages import INSPECTOR_CELLS, open_notebook, run_cell, run_command, shut_down_kernels, write_notebook

SUMMARIES = [
    r"x: tensor\[20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+ requires_grad leaf grad=None",
    r"A: tensor\[20, 20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+",
    r"x: tensor\[20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+ requires_grad leaf grad=tensor\[20\]",
]
TIMEOUT_MS = 60_000
INSPECTORS = ".jp-OutputArea-output .torchinspect-inspector"
STATIC = ".jp-OutputArea-output .torchinspect-output .torchinspect-inspector"


def saved_and_run(page: Page, server, name: str) -> None:
    write_notebook(server, name, INSPECTOR_CELLS)
    open_notebook(page, server, name)
    for index in range(len(INSPECTOR_CELLS)):
        run_cell(page, index)
    run_command(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def outputs_are_trusted(page: Page) -> bool:
    return page.evaluate(
        "window.jupyterapp.shell.currentWidget.content.widgets.every(cell => cell.model.outputs.get(0).trusted)"
    )


def test_a_reopened_notebook_shows_its_inspectors_as_static_views(page: Page, jupyterlab, screenshot):
    name = "saved_inspectors.ipynb"
    saved_and_run(page, jupyterlab, name)
    expect(page.locator(INSPECTORS)).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.locator(".torchinspect-output")).to_have_count(0)

    # Reloaded while its kernel still holds the widgets: they come back live.
    page.reload()
    expect(page.locator(INSPECTORS)).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.locator(".torchinspect-livebar")).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.locator(".torchinspect-output")).to_have_count(0)

    # Closed, its kernel gone, reopened without running a cell: the saved snapshots.
    shut_down_kernels(jupyterlab, [name])
    page.goto("about:blank")
    open_notebook(page, jupyterlab, name)
    expect(page.locator(STATIC)).to_have_count(3, timeout=TIMEOUT_MS)
    assert outputs_are_trusted(page), "a notebook saved by its user opens trusted: the widget renderer would run"
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    expect(page.locator(".torchinspect-livebar")).to_have_count(0)
    summaries = page.locator(f"{STATIC} .torchinspect-summary").all_text_contents()
    for summary, pattern in zip(summaries, SUMMARIES, strict=True):
        assert re.fullmatch(pattern, summary), summary
    page.locator(STATIC).nth(2).scroll_into_view_if_needed()
    screenshot(page, "lab-saved-outputs-reopened")
    assert page.errors.messages == []
    shut_down_kernels(jupyterlab, [name])
