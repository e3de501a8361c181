"""The Tensors sidebar and its commands, in a real JupyterLab in Chromium."""

from __future__ import annotations

import json
import re
import sys

import pytest
from playwright.sync_api import Page, expect

from legibility import contrast_ratio
from notebook_pages import (
    LESSON_CELLS,
    SIDEBAR,
    TIMEOUT_MS,
    activate,
    inspector,
    listed_names,
    open_another,
    open_notebook,
    row,
    run_cell,
    run_command,
    session_of,
    shut_down_kernels,
    summary_of,
    wait_for_kernel,
    write_notebook,
)


@pytest.fixture
def notebooks(jupyterlab, request):
    """Writes notebooks of this test's own (its kernels, stopped after it, start fresh)."""
    written: list[str] = []

    def write(name: str, cells: list[str], kernel: str = "python3") -> str:
        path = f"{request.node.name.removeprefix('test_')[:20]}-{name}"
        write_notebook(jupyterlab, path, cells, kernel)
        written.append(path)
        return path

    yield write
    shut_down_kernels(jupyterlab, written)


@pytest.fixture
def lesson(page: Page, jupyterlab, notebooks) -> Page:
    open_notebook(page, jupyterlab, notebooks("lesson.ipynb", LESSON_CELLS))
    run_cell(page, 0)
    run_command(page, "torchinspect:open-sidebar")
    return page


def test_the_sidebar_lists_x_and_A_and_follows_backward(lesson: Page, screenshot):
    expect(summary_of(lesson, "x")).to_have_text("tensor[20] float32 cpu requires_grad leaf grad=None", timeout=TIMEOUT_MS)
    expect(summary_of(lesson, "A")).to_have_text("tensor[20, 20] float32 cpu")
    assert listed_names(lesson) == ["A", "x"]
    run_cell(lesson, 1)
    expect(summary_of(lesson, "y")).to_have_text("tensor[] float32 cpu requires_grad grad_fn=MulBackward0")
    run_cell(lesson, 2)
    expect(summary_of(lesson, "x")).to_have_text("tensor[20] float32 cpu requires_grad leaf grad=tensor[20]")
    run_cell(lesson, 3)
    expect(row(lesson, "bad").locator(".torchinspect-badge-trouble")).to_have_text("NaN×2 +Inf×1")
    expect(row(lesson, "bad")).to_have_class(re.compile("torchinspect-trouble"))
    module = lesson.locator(f"{SIDEBAR} .torchinspect-tensor-module")
    expect(module.locator(".torchinspect-tensor-module-name")).to_have_text("model Sequential · 4 parameters")
    expect(module.locator(".torchinspect-tensor-name")).to_have_text(["0.weight", "0.bias", "2.weight", "2.bias"])
    expect(summary_of(lesson, "model.0.weight")).to_have_text("tensor[3, 20] float32 cpu requires_grad leaf grad=None")
    screenshot(lesson, "lab-sidebar-lesson")
    assert lesson.errors.messages == []


def test_the_list_filters_and_sorts(lesson: Page):
    run_cell(lesson, 3)
    expect(row(lesson, "bad")).to_be_visible(timeout=TIMEOUT_MS)
    lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-filter").fill("20, 20")
    assert listed_names(lesson) == ["A"]
    expect(lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-status")).to_have_text("1 of 7 tensors match the filter")
    lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-filter").fill("nan")
    assert listed_names(lesson) == ["bad"]
    lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-filter").fill("")
    lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-sort").select_option("size")
    assert listed_names(lesson) == ["A", "x", "bad", "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    lesson.locator(f"{SIDEBAR} .torchinspect-sidebar-sort").select_option("trouble")
    assert listed_names(lesson)[0] == "bad"


def test_a_click_opens_the_inspector_and_the_graph_beside_the_notebook(lesson: Page, screenshot):
    run_cell(lesson, 1)
    row(lesson, "y").click()
    panel = inspector(lesson, "y")
    expect(panel.locator(".torchinspect-summary")).to_have_text(re.compile(r"^y: tensor\[\] float32 cpu =\S+ requires_grad grad_fn=MulBackward0$"), timeout=TIMEOUT_MS)
    graph = panel.locator(".torchinspect-graph-section")
    for label in ["x", "MvBackward0", "DotBackward0", "MulBackward0"]:
        expect(graph.locator(".torchinspect-graph-box", has_text=label).first).to_be_visible()
    # Beside the notebook, in the main area: both are visible at once.
    labels = lesson.evaluate("[...window.jupyterapp.shell.widgets('main')].map(w => w.title.label)")
    assert labels[1:] == ["y"] and labels[0].endswith("lesson.ipynb")
    expect(lesson.locator(".jp-NotebookPanel")).to_be_visible()
    row(lesson, "x").click()
    panel = inspector(lesson, "x")
    expect(panel.locator(".torchinspect-summary")).to_contain_text("requires_grad leaf grad=None", timeout=TIMEOUT_MS)
    run_cell(lesson, 2)
    # Live: the inspector took a new snapshot after the cell that changed x.
    expect(panel.locator(".torchinspect-summary")).to_contain_text("grad=tensor[20]", timeout=TIMEOUT_MS)
    expect(panel.locator(".torchinspect-inspector-status")).to_have_text("Live: updates after each cell that changes it.")
    screenshot(lesson, "lab-sidebar-inspector")
    assert lesson.errors.messages == []


def test_the_graph_beside_the_notebook_shows_a_saved_tensor_and_a_leaf_on_request(lesson: Page):
    run_cell(lesson, 1)
    row(lesson, "y").click()
    graph = inspector(lesson, "y").locator(".torchinspect-graph-section")
    graph.locator(".torchinspect-graph-box", has_text="MvBackward0").click()
    graph.get_by_role("button", name="Show saved self").click()
    values = graph.get_by_label("values of a graph tensor")
    expect(values.locator(".torchinspect-summary")).to_contain_text("MvBackward0.self: tensor[20, 20] float32", timeout=TIMEOUT_MS)
    # Beside the notebook the stage is narrow, and the details now share it: fit to reach x.
    graph.get_by_role("button", name="fit the graph").click()
    graph.locator(".torchinspect-graph-box", has_text="x").first.click()
    graph.get_by_role("button", name="Show the values of x").click()
    expect(values.locator(".torchinspect-summary")).to_contain_text("x: tensor[20] float32", timeout=TIMEOUT_MS)
    assert lesson.errors.messages == []


def test_the_inspector_asks_the_kernel_for_another_slice(page: Page, jupyterlab, notebooks):
    open_notebook(page, jupyterlab, notebooks("slices.ipynb", ["import torch\ncube = torch.arange(120.0).reshape(2, 6, 10)"]))
    run_cell(page, 0)
    run_command(page, "torchinspect:inspect-tensor", {"name": "cube"})
    panel = inspector(page, "cube")
    expect(panel.locator(".torchinspect-slicer")).to_be_visible(timeout=TIMEOUT_MS)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    index = panel.get_by_label("index on axis 0, 0 to 1")
    index.fill("1")
    index.dispatch_event("change")
    expect(panel.locator(".torchinspect-loading")).to_have_count(0)
    expect(panel.locator(".torchinspect-status")).to_be_empty()
    panel.get_by_role("button", name="Copy slice code").click()
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "cube[1]"
    assert page.errors.messages == []


def test_the_sidebar_follows_the_active_notebook_and_survives_restart_and_kernel_change(page: Page, jupyterlab, notebooks, screenshot):
    first = notebooks("first.ipynb", ["import torch\np = torch.zeros(2, 3)"])
    second = notebooks("second.ipynb", ["import torch\nq = torch.ones(4)"])
    open_notebook(page, jupyterlab, first)
    run_cell(page, 0)
    run_command(page, "torchinspect:open-sidebar")
    expect(summary_of(page, "p")).to_have_text("tensor[2, 3] float32 cpu", timeout=TIMEOUT_MS)
    row(page, "p").click()
    expect(inspector(page, "p").locator(".torchinspect-summary")).to_have_text("p: tensor[2, 3] float32 cpu all=0", timeout=TIMEOUT_MS)

    open_another(page, second)
    run_cell(page, 0, second)
    expect(summary_of(page, "q")).to_have_text("tensor[4] float32 cpu", timeout=TIMEOUT_MS)
    assert listed_names(page) == ["q"]
    expect(page.locator(f"{SIDEBAR} .torchinspect-sidebar-source")).to_have_text(second)
    activate(page, first)
    expect(page.locator(f"{SIDEBAR} .torchinspect-sidebar-source")).to_have_text(first)
    assert listed_names(page) == ["p"]

    page.evaluate(f"{session_of(first)}.session.kernel.restart()")
    expect(page.locator(f"{SIDEBAR} .torchinspect-sidebar-status")).to_have_text(
        "No tensors yet: they appear here after a cell makes one.", timeout=TIMEOUT_MS
    )
    expect(inspector(page, "p").locator(".torchinspect-inspector-status")).to_contain_text("last picture")
    run_cell(page, 0, first)
    expect(summary_of(page, "p")).to_have_text("tensor[2, 3] float32 cpu", timeout=TIMEOUT_MS)
    expect(inspector(page, "p").locator(".torchinspect-inspector-status")).to_have_text("Live: updates after each cell that changes it.", timeout=TIMEOUT_MS)

    page.evaluate(f"{session_of(first)}.changeKernel({{name: 'python3'}})")
    expect(page.locator(f"{SIDEBAR} .torchinspect-sidebar-status")).to_have_text(
        "No tensors yet: they appear here after a cell makes one.", timeout=TIMEOUT_MS
    )
    wait_for_kernel(page, first)
    run_cell(page, 0, first)
    expect(summary_of(page, "p")).to_have_text("tensor[2, 3] float32 cpu", timeout=TIMEOUT_MS)
    screenshot(page, "lab-sidebar-after-kernel-change")
    # JupyterLab's debugger logs an error of its own when the kernel it asked is replaced.
    assert [message for message in page.errors.messages if "restore the debugger state" not in message] == []


@pytest.fixture
def kernel_without_torchinspect(jupyterlab) -> str:
    """A kernel spec whose Python cannot import torchinspect, as an environment without it."""
    blocked = (
        "import sys; sys.modules['torchinspect'] = None; "
        "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()"
    )
    spec = jupyterlab.data_dir / "kernels" / "no-torchinspect"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", blocked, "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python without torchinspect", "language": "python"}))
    return "no-torchinspect"


def test_a_kernel_without_torchinspect_is_told_how_to_install_it(page: Page, jupyterlab, notebooks, kernel_without_torchinspect, screenshot):
    open_notebook(page, jupyterlab, notebooks("bare_kernel.ipynb", ["x = 1"], kernel=kernel_without_torchinspect))
    run_command(page, "torchinspect:open-sidebar")
    status = page.locator(f"{SIDEBAR} .torchinspect-sidebar-status")
    expect(status).to_have_text("torchinspect is not installed where this kernel runs.", timeout=TIMEOUT_MS)
    fix = page.locator(f"{SIDEBAR} .torchinspect-sidebar-fix")
    expect(fix.locator(".torchinspect-sidebar-command")).to_have_text("pip install torchinspect")
    expect(fix).to_contain_text("then restart the kernel")
    expect(fix).to_contain_text("The kernel said: ModuleNotFoundError")
    screenshot(page, "lab-sidebar-missing")
    assert page.errors.messages == []


def test_inspect_tensor_opens_the_name_under_the_cursor(page: Page, jupyterlab, notebooks):
    name = notebooks("inspect_command.ipynb", [LESSON_CELLS[0] + "\ny = (x * 3).sum()\ny.backward()", "x.grad.sum()\nA.shape"])
    open_notebook(page, jupyterlab, name)
    run_cell(page, 0)
    bindings = page.evaluate(
        "window.jupyterapp.commands.keyBindings.filter(b => b.command.startsWith('torchinspect:')).map(b => [b.command, b.keys.join(' ')])"
    )
    assert sorted(bindings) == [["torchinspect:inspect-tensor", "Alt I"], ["torchinspect:open-sidebar", "Alt Shift I"]]
    run_command(page, "apputils:activate-command-palette")
    page.keyboard.type("tensor")
    palette = page.locator(".lm-CommandPalette-item")
    expect(palette.filter(has_text="Open Tensors sidebar")).to_be_visible()
    expect(palette.filter(has_text="Inspect tensor")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(SIDEBAR)).to_be_hidden()
    page.locator(".jp-Notebook").click()
    page.keyboard.press("Alt+Shift+I")
    expect(page.locator(SIDEBAR)).to_be_visible()
    # The cursor on "grad" of x.grad.sum(): the command inspects x.grad.
    page.evaluate(
        """() => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            notebook.activeCellIndex = 1;
            notebook.activeCell.editor.setCursorPosition({line: 0, column: 3});
        }"""
    )
    run_command(page, "torchinspect:inspect-tensor")
    expect(inspector(page, "x.grad").locator(".torchinspect-summary")).to_have_text(
        "x.grad: tensor[20] float32 cpu all=3", timeout=TIMEOUT_MS
    )
    # The keyboard shortcut, with the cursor on A in the editor.
    page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content").click()
    page.evaluate("window.jupyterapp.shell.currentWidget.content.activeCell.editor.setCursorPosition({line: 1, column: 0})")
    page.keyboard.press("Alt+i")
    expect(inspector(page, "A").locator(".torchinspect-summary")).to_contain_text("A: tensor[20, 20] float32 cpu", timeout=TIMEOUT_MS)
    # The context menu inspects the word under the pointer, not the cursor.
    activate(page, name)
    word = page.locator(".jp-Notebook .jp-Cell").nth(0).locator(".cm-line").nth(2)
    box = word.bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2, button="right")
    page.locator(".lm-Menu-item", has_text="Inspect tensor").click()
    expect(inspector(page, "x").locator(".torchinspect-summary")).to_contain_text("x: tensor[20] float32 cpu", timeout=TIMEOUT_MS)
    assert page.errors.messages == []


def test_the_sidebar_is_legible_in_the_dark_theme(lesson: Page, screenshot):
    run_cell(lesson, 3)
    expect(row(lesson, "bad")).to_be_visible(timeout=TIMEOUT_MS)
    lesson.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    expect(lesson.locator("body[data-jp-theme-light='false']")).to_be_attached(timeout=30_000)
    sidebar_background = lesson.locator(SIDEBAR).evaluate("node => getComputedStyle(node).backgroundColor")
    assert sidebar_background != "rgb(255, 255, 255)"
    assert contrast_ratio(lesson, f"{SIDEBAR} .torchinspect-tensor-name") >= 7
    assert contrast_ratio(lesson, f"{SIDEBAR} .torchinspect-tensor-summary") >= 4.5
    assert contrast_ratio(lesson, f"{SIDEBAR} .torchinspect-badge-trouble") >= 3
    screenshot(lesson, "lab-sidebar-dark")
    lesson.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    expect(lesson.locator("body[data-jp-theme-light='true']")).to_be_attached(timeout=30_000)
