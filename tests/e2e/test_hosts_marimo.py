"""inspect() in a marimo app, served by `marimo run` on 127.0.0.1 and read in Chromium.

marimo shows anywidget widgets itself, with no Jupyter in between, and loads a widget's ESM once
for the page: two inspectors on one page share one module, so nothing in it may be shared
between views.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from conftest import free_port, serving
from playwright.sync_api import Page, expect

# The lesson's x and A, and two results with graphs, each shown by its own inspector. The last
# cell changes x after its inspector was made: marimo runs no IPython hook after a cell, so
# the inspector shows the change when asked to refresh.
APP = '''
import marimo

app = marimo.App()


@app.cell
def _():
    import torch
    from torchinspect import inspect

    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return A, inspect, torch, x


@app.cell
def _(A, inspect, torch, x):
    y = 0.5 * torch.dot(x, A @ x)
    inspect(y, name="y", params={"x": x})
    return


@app.cell
def _(A, inspect, x):
    z = (A @ x).tanh().sum()
    inspect(z, name="z", params={"x": x, "A": A})
    return


@app.cell
def _(A, inspect):
    inspect(A, name="A")
    return


@app.cell
def _(inspect, torch):
    w = torch.zeros(3)
    shown = inspect(w, name="w")
    w.add_(5)
    shown
    return


if __name__ == "__main__":
    app.run()
'''


def lesson_matrix() -> torch.Tensor:
    torch.manual_seed(0)
    torch.randn(20)
    return torch.randn(20, 20)


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`marimo run` on a free 127.0.0.1 port, with its config and caches in a temporary folder."""
    home = tmp_path_factory.mktemp("marimo")
    (home / "app.py").write_text(textwrap.dedent(APP))
    env = {
        **os.environ,
        **{f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "CACHE", "STATE", "DATA")},
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "marimo", "run", "app.py", "--headless", "--no-token", "--no-sandbox",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with serving(command, home=home, env=env, ready_url=f"{url}/health", what="marimo", cwd=home):
        yield url


@pytest.fixture
def app(page: Page, marimo_app: str) -> Page:
    page.goto(marimo_app)
    expect(page.locator(".torchinspect-summary")).to_have_count(4, timeout=60_000)
    return page


def inspector(page: Page, name: str):
    """The output of the cell that shows ``name``: its live bar, inspector and graph."""
    return page.locator(".torchinspect-inspector", has=page.locator(".torchinspect-summary", has_text=f"{name}: "))


def test_each_inspector_shows_its_card_and_graph(app: Page, screenshot):
    expect(inspector(app, "y").locator(".torchinspect-summary")).to_have_text(
        "y: tensor[] float32 cpu =1.87 requires_grad grad_fn=MulBackward0"
    )
    expect(inspector(app, "z").locator(".torchinspect-value[data-field='grad_fn'] code")).to_have_text("SumBackward0")
    graphs = app.locator(".torchinspect-graph")
    expect(graphs).to_have_count(2)
    expect(graphs.nth(0).locator(".torchinspect-graph-box")).to_have_count(5)
    expect(graphs.nth(0).locator(".torchinspect-graph-box", has_text="DotBackward0")).to_have_count(1)
    expect(graphs.nth(1).locator(".torchinspect-graph-box", has_text="TanhBackward0")).to_have_count(1)
    expect(graphs.nth(1).locator(".torchinspect-graph-box", has_text="A")).not_to_have_count(0)
    screenshot(app, "marimo-app")
    assert app.errors.messages == []


def test_two_graphs_on_one_page_each_draw_with_their_own_parts(app: Page):
    # Every arrowhead a link points at is found inside its own graph: ids made by one module
    # for two views must differ, or one view's arrows would hang on the other's.
    # (marimo draws each widget in a shadow root: ids are looked up in the stage's own tree.)
    resolved = app.locator(".torchinspect-graph-stage").evaluate_all("""stages => stages.map(svg =>
        [...svg.querySelectorAll('[marker-end]')].every(link => {
            const id = link.getAttribute('marker-end').slice(5, -1);
            return svg.contains(svg.getRootNode().getElementById(id));
        }))""")
    assert resolved == [True, True]
    # One view's controls act on its own graph alone.
    contents = app.locator(".torchinspect-graph-content")
    before = [contents.nth(i).get_attribute("transform") for i in range(2)]
    app.locator(".torchinspect-graph").nth(1).get_by_role("button", name="zoom in").click()
    expect(contents.nth(1)).not_to_have_attribute("transform", before[1])
    assert contents.nth(0).get_attribute("transform") == before[0]


def test_the_heatmap_reads_the_values_marimo_sent(app: Page):
    heatmap = inspector(app, "A").locator(".torchinspect-heatmap")
    canvas = heatmap.locator(".torchinspect-heatmap-canvas")
    canvas.scroll_into_view_if_needed()
    cell = canvas.bounding_box()["width"] / 20
    canvas.hover(position={"x": 7 * cell + cell / 2, "y": 3 * cell + cell / 2})
    expected = str(np.float32(lesson_matrix()[3, 7].item()))
    expect(heatmap.locator(".torchinspect-plot-readout")).to_have_text(f"[3, 7] = {expected}")


def test_refresh_asks_the_kernel_through_marimo(app: Page):
    w = inspector(app, "w")
    expect(w.locator(".torchinspect-summary")).to_have_text("w: tensor[3] float32 cpu all=0")
    # The live bar sits beside the inspector, in the widget's own element; marimo runs no
    # hook after a cell, so it says to press Refresh and offers no pause.
    bar = w.locator("xpath=..").locator(".torchinspect-livebar")
    expect(bar.locator(".torchinspect-live-status")).to_have_text("Shows the tensor as it was when drawn: press Refresh to update.")
    expect(bar.get_by_role("button", name="Pause live updates")).to_be_hidden()
    bar.get_by_role("button", name="Refresh").click()
    expect(w.locator(".torchinspect-summary")).to_have_text("w: tensor[3] float32 cpu all=5")
