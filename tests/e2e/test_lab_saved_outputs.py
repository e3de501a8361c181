"""Saved inspector outputs in JupyterLab: live while their widget lives, static views once it is gone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from notebook_pages import INSPECTOR_CELLS, open_notebook, save_and_close, save_notebook, shut_down_kernels, write_and_run

SUMMARIES = [
    r"x: tensor\[20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+ requires_grad leaf grad=None",
    r"A: tensor\[20, 20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+",
    r"x: tensor\[20\] float32 cpu ∈\[\S+, \S+\] μ=\S+ σ=\S+ requires_grad leaf grad=tensor\[20\]",
]
TIMEOUT_MS = 60_000
INSPECTORS = ".jp-OutputArea-output .torchinspect-inspector"
STATIC = ".jp-OutputArea-output .torchinspect-output .torchinspect-inspector"


def saved_and_run(page: Page, server, name: str) -> None:
    write_and_run(page, server, name, INSPECTOR_CELLS)
    save_notebook(page)


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


GRAPH_CELLS = [
    (
        "import torch\nfrom torchinspect import compare, inspect\ntorch.manual_seed(0)\n"
        "x = torch.randn(20, requires_grad=True)\nA = torch.randn(20, 20)\n"
        "y = 0.5 * torch.dot(x, A @ x)\ninspect(y, name='y')"
    ),
    "compare(A @ x, x @ A.T)",
]
"""An inspector with a backward graph (mul ← dot ← mv, x and A), and a comparison."""


def test_a_reopened_notebook_draws_saved_graphs_and_comparisons_without_errors(page: Page, jupyterlab, screenshot):
    name = "saved_graphs.ipynb"
    write_and_run(page, jupyterlab, name, GRAPH_CELLS)
    live_boxes = page.locator(".jp-OutputArea-output .torchinspect-graph-box")
    expect(live_boxes.first).to_be_visible(timeout=TIMEOUT_MS)
    box_count = live_boxes.count()
    save_and_close(page, jupyterlab, name)
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if "model not found" in message.text else None)
    open_notebook(page, jupyterlab, name)
    saved = page.locator(".jp-OutputArea-output .torchinspect-output")
    expect(saved).to_have_count(2, timeout=TIMEOUT_MS)
    # The inspector's card, and under it its backward graph, every box of it, as the live view drew it.
    expect(saved.nth(0).locator(".torchinspect-summary")).to_contain_text("y: tensor[] float32")
    expect(saved.nth(0).locator(".torchinspect-graph-box")).to_have_count(box_count)
    expect(saved.nth(0).locator(".torchinspect-graph-box", has_text="MvBackward0")).to_be_visible()
    expect(saved.nth(0).locator(".torchinspect-graph-box", has_text="x")).to_have_count(1)
    # The comparison's verdict and its three tensors.
    expect(saved.nth(1).locator(".torchinspect-comparison")).to_be_visible()
    expect(saved.nth(1).locator(".torchinspect-comparison")).to_contain_text("actual")
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    saved.nth(0).scroll_into_view_if_needed()
    screenshot(page, "lab-saved-outputs-graph")
    assert warnings == []
    assert page.errors.messages == []
    shut_down_kernels(jupyterlab, [name])
