"""The lesson notebook in a real JupyterLab: run it, and read the inspectors on the page."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from playwright.sync_api import Page, expect

from notebook_pages import open_notebook, run_cell, write_notebook
from test_notebooks import LESSON_SUMMARIES
from legibility import contrast_ratio, overlapping_fields

LESSON = "01_pytorch_can_differentiate.ipynb"
RUN_TIMEOUT_MS = 90_000


def open_and_run(page: Page, jupyterlab, notebook: str) -> None:
    """Open a notebook, wait for its kernel, and run all its cells through the app's command."""
    page.goto(jupyterlab.notebook_url(notebook))
    page.wait_for_function(
        """name => {
            const widget = window.jupyterapp?.shell.currentWidget;
            const kernel = widget?.sessionContext?.session?.kernel;
            return widget?.context?.path === name && kernel?.status === 'idle';
        }""",
        arg=notebook,
        timeout=RUN_TIMEOUT_MS,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # Done when every code cell ran, or as soon as one failed: run-all stops there.
    page.wait_for_function(
        """() => {
            const notebook = window.jupyterapp.shell.currentWidget;
            const cells = notebook.content.widgets.filter(cell => cell.model.type === 'code');
            const failed = cells.some(cell => cell.model.outputs.toJSON().some(o => o.output_type === 'error'));
            const ran = cells.every(cell => cell.model.executionCount !== null);
            return failed || (ran && notebook.sessionContext.session.kernel.status === 'idle');
        }""",
        timeout=RUN_TIMEOUT_MS,
    )
    errors = page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .flatMap(cell => cell.model.type === 'code' ? cell.model.outputs.toJSON() : [])
            .filter(output => output.output_type === 'error')
            .map(output => `${output.ename}: ${output.evalue}`)"""
    )
    assert errors == [], f"{notebook} failed in JupyterLab: {errors}"


def card_fields(card) -> dict[str, str]:
    labels = card.locator(".torchinspect-groups .torchinspect-value").evaluate_all(
        "values => values.map(value => [value.dataset.field, value.querySelector('code').textContent])"
    )
    return dict(labels)


@pytest.fixture
def lesson_page(page: Page, jupyterlab) -> Page:
    open_and_run(page, jupyterlab, LESSON)
    return page


def test_lesson_notebook_shows_an_inspector_at_each_step(lesson_page: Page, screenshot):
    cards = lesson_page.locator(".jp-OutputArea-output .torchinspect-inspector")
    expect(cards).to_have_count(4, timeout=RUN_TIMEOUT_MS)
    # Each card is as of its own cell: the first card of x, shown before the cell that ran
    # y.backward() and showed x again, still has no grad, and says how to follow the latest.
    summaries = lesson_page.locator(".jp-OutputArea-output .torchinspect-inspector .torchinspect-summary").all_text_contents()
    assert len(summaries) == 4
    for summary, pattern in zip(summaries, LESSON_SUMMARIES[:4]):
        assert re.fullmatch(pattern, summary), summary
    assert card_fields(cards.nth(0)) == {
        "shape": "[20]", "dtype": "float32", "device": "cpu", "numel": "20",
        "strides": "(1,)", "is_contiguous": "True", "bytes": "80 B", "_version": "0",
        "requires_grad": "True", "grad_fn": "None", "is_leaf": "True", "grad": "None",
    }  # fmt: skip
    bars = lesson_page.locator(".jp-OutputArea-output .torchinspect-livebar")
    expect(bars.nth(0).locator(".torchinspect-live-status")).to_have_text(
        "As of its cell: a later cell showed new output, so this view keeps its picture. "
        "Show latest follows the tensor from here on."
    )
    # The comparison that closes the lesson is the last output shown: every card before it is held.
    expect(lesson_page.get_by_role("button", name="Show latest")).to_have_count(4)
    # y's forward graph shows no gradients until asked for the latest.
    flow = lesson_page.locator(".jp-OutputArea-output .torchinspect-graph-link[data-norm]")
    expect(flow).to_have_count(0)
    bars.nth(2).get_by_role("button", name="Show latest").click()
    expect(flow.first).to_be_attached(timeout=RUN_TIMEOUT_MS)
    bars.nth(0).get_by_role("button", name="Show latest").click()
    expect(cards.nth(0).locator(".torchinspect-summary")).to_contain_text("grad=tensor[20]", timeout=RUN_TIMEOUT_MS)
    expect(bars.nth(0).get_by_role("button", name="Pause live updates")).to_be_visible()
    assert card_fields(cards.nth(2))["grad_fn"] == "MulBackward0"
    assert card_fields(cards.nth(3))["grad"] == "tensor[20] float32"
    expect(lesson_page.locator(".jp-OutputArea-output pre").last).to_contain_text("x.grad equals 0.5 (A + Aᵀ) x")
    expect(lesson_page.locator(".torchinspect-verdict")).to_have_text(
        "✓ close: torch.testing.assert_close passes (rtol=1.3e-06, atol=1e-05)"
    )
    # The live widget is drawn, not the static fallbacks that travel beside it.
    expect(lesson_page.locator(".torchinspect-static")).to_have_count(0)
    expect(lesson_page.locator(".torchinspect-output")).to_have_count(0)
    assert overlapping_fields(lesson_page) == []
    # y's inspector draws the graph it came from; x is named from the notebook's variables.
    graph = lesson_page.locator(".jp-OutputArea-output .torchinspect-graph-section")
    expect(graph).to_have_count(1)
    expect(graph.locator(".torchinspect-graph-box")).to_have_count(5)
    for label in ["x", "MvBackward0", "DotBackward0", "MulBackward0", "y"]:
        expect(graph.locator(".torchinspect-graph-box", has_text=label).first).to_be_visible()
    cards.nth(3).scroll_into_view_if_needed()
    screenshot(lesson_page, "jupyterlab-lesson-light")
    assert lesson_page.errors.messages == []


def test_lab_extension_is_activated(lesson_page: Page):
    state = lesson_page.evaluate(
        """() => ({
            registered: window.jupyterapp.hasPlugin('torchinspect:snapshot-renderer'),
            activated: window.jupyterapp.isPluginActivated('torchinspect:snapshot-renderer'),
        })"""
    )
    assert state == {"registered": True, "activated": True}
    assert lesson_page.errors.messages == []


def test_cards_are_legible_in_the_dark_theme(lesson_page: Page, screenshot):
    # y's graph, coloured by the backward pass, then drawn again on the dark page.
    flow = lesson_page.locator(".jp-OutputArea-output .torchinspect-graph-link[data-norm]")
    # The four cards render after the run ends: wait for all of them, held as of their cells,
    # and click y's, found by its summary, once, right away, as a user would: the notebook may
    # still move its page under the press, and the bar acts on the press.
    expect(lesson_page.get_by_role("button", name="Show latest")).to_have_count(4, timeout=RUN_TIMEOUT_MS)
    y_output = lesson_page.locator(".jp-OutputArea-output").filter(
        has=lesson_page.locator(".torchinspect-summary", has_text=re.compile(r"^y: "))
    )
    y_output.get_by_role("button", name="Show latest").click()
    expect(flow.first).to_be_attached(timeout=RUN_TIMEOUT_MS)
    lesson_page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})"
    )
    expect(lesson_page.locator("body[data-jp-theme-light='false']")).to_be_attached(timeout=30_000)
    expect(lesson_page.locator("#jupyterlab-splash")).to_have_count(0, timeout=30_000)
    card = lesson_page.locator(".torchinspect-inspector").first
    expect(card).to_be_visible()
    background = card.evaluate("card => getComputedStyle(card).backgroundColor")
    page_background = lesson_page.evaluate(
        "getComputedStyle(document.body).getPropertyValue('--jp-layout-color1').trim()"
    )
    assert background != "rgb(255, 255, 255)", "the card kept a light background in the dark theme"
    assert page_background, "JupyterLab's dark theme did not load"
    assert contrast_ratio(lesson_page, ".torchinspect-value code") >= 7
    assert contrast_ratio(lesson_page, ".torchinspect-hint") >= 4.5
    stage = lesson_page.locator(".jp-OutputArea-output .torchinspect-graph-stage").first
    stage_colour = stage.evaluate("s => getComputedStyle(s).backgroundColor")
    assert stage_colour != "rgb(255, 255, 255)"
    # Low gradients are the dim end of the palette: on a dark page, links take its bright end.
    lesson_page.wait_for_function(
        """background => {
            const luminance = color => {
                const [r, g, b] = color.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => {
                    v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const links = [...document.querySelectorAll('.jp-OutputArea-output .torchinspect-graph-link[data-norm]')];
            return links.length > 0 && links.every(link => {
                const [light, dark] = [luminance(getComputedStyle(link).stroke), luminance(background)].sort((a, b) => b - a);
                return (light + 0.05) / (dark + 0.05) >= 3;
            });
        }""",
        arg=stage_colour,
        timeout=10_000,
    )
    stage.scroll_into_view_if_needed()
    screenshot(lesson_page, "jupyterlab-lesson-dark")
    lesson_page.evaluate(
        "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
    )
    expect(lesson_page.locator("body[data-jp-theme-light='true']")).to_be_attached(timeout=30_000)


def test_a_stored_snapshot_renders_as_a_card_without_a_widget(page: Page, jupyterlab, screenshot):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import json, torch, torchinspect\n"
            "from IPython.display import display\n"
            "snap = torchinspect.snapshot(torch.zeros(3, 4, requires_grad=True), name='stored')\n"
            "display({'application/vnd.torchinspect.tensor+json': json.loads(torchinspect.to_json(snap))}, raw=True)"
        )
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (jupyterlab.root / "stored_snapshot.ipynb").write_text(json.dumps(notebook))
    open_and_run(page, jupyterlab, "stored_snapshot.ipynb")
    card = page.locator(".torchinspect-output .torchinspect-inspector")
    expect(card.locator(".torchinspect-summary")).to_have_text(
        "stored: tensor[3, 4] float32 cpu all=0 requires_grad leaf grad=None"
    )
    assert card_fields(card)["shape"] == "[3, 4]"
    assert overlapping_fields(page) == []
    screenshot(page, "jupyterlab-stored-snapshot")
    assert page.errors.messages == []


def open_inspectors_in_the_kernel(page: Page, cell: int) -> int:
    """Run the cell that prints how many inspectors the kernel keeps, and read what it printed."""
    run_cell(page, cell)
    text = page.evaluate(
        """index => window.jupyterapp.shell.currentWidget.content.widgets[index].model.outputs.toJSON()
            .map(output => output.text ?? '').join('')""",
        cell,
    )
    return int(text.strip())


def test_an_inspector_whose_output_is_replaced_is_closed_in_the_kernel(page: Page, jupyterlab):
    write_notebook(
        jupyterlab,
        "replaced_outputs.ipynb",
        [
            "import time, torch\nfrom IPython.display import clear_output, display\n"
            "from ipywidgets.widgets.widget import _instances\nfrom torchinspect import Inspector, inspect\n"
            "x = torch.randn(5)",
            "inspect(x, name='x')",
            "for step in range(4):\n    clear_output(wait=True)\n    display(inspect(x, name=f'step {step}'))\n    time.sleep(0.5)",
            "print(sum(isinstance(widget, Inspector) for widget in list(_instances.values())))",
        ],
    )
    open_notebook(page, jupyterlab, "replaced_outputs.ipynb")
    run_cell(page, 0)
    for _ in range(3):  # the same cell run again replaces its inspector
        run_cell(page, 1)
        expect(page.locator(".torchinspect-summary", has_text="x: tensor[5]")).to_have_count(1)
    run_cell(page, 2)
    expect(page.locator(".torchinspect-summary", has_text="step 3: tensor[5]")).to_have_count(1)
    expect(page.locator(".torchinspect-summary", has_text="step 2: tensor[5]")).to_have_count(0)
    # The page tells the kernel as each replaced view goes; the kernel reads it between cells.
    counts = []
    for _ in range(20):
        counts.append(open_inspectors_in_the_kernel(page, 3))
        if counts[-1] == 2:
            break
        page.wait_for_timeout(250)
    assert counts[-1] == 2, f"inspectors the kernel kept, each time asked: {counts}"
    assert page.errors.messages == []


def test_a_numpy_write_into_a_tensor_s_memory_shows_on_its_live_card(page: Page, jupyterlab):
    """Lesson 1.1's point: a tensor made with torch.from_numpy shares the array's memory."""
    write_notebook(
        jupyterlab,
        "shared_memory.ipynb",
        [
            "import numpy as np, torch\nfrom torchinspect import inspect\n"
            "a = np.arange(6, dtype=np.float32).reshape(2, 3)\nshared = torch.from_numpy(a)\ninspect(shared, name='shared')",
            "a[0, 0] = 100",
        ],
    )
    open_notebook(page, jupyterlab, "shared_memory.ipynb")
    run_cell(page, 0)
    summary = page.locator(".torchinspect-summary", has_text="shared: tensor[2, 3]")
    expect(summary).to_contain_text("∈[0, 5]")
    run_cell(page, 1)
    expect(summary).to_contain_text("∈[1, 100]")
    expect(page.locator(".torchinspect-live-status")).to_have_text("Live: updates after each cell that changes the tensor.")
    assert page.errors.messages == []
