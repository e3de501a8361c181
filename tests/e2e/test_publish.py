"""Published lessons: `python -m torchinspect.publish examples/ site/ --execute` and
`jupyter nbconvert --to torchinspect-html`, every page opened from disk in Chromium with the
network cut, each inspector, graph, gradient flow and comparison drawn and used.

The data each page embeds is the oracle: every view it holds is drawn, with the summary its
snapshot says. The page weights are kept in tests/artifacts/publish-weights.txt.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, expect

REPO = pathlib.Path(__file__).parents[2]
EXAMPLES = REPO / "examples"
ARTIFACTS = REPO / "tests" / "artifacts"
LESSONS = sorted(path.stem for path in EXAMPLES.glob("*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, executed_lessons: pathlib.Path) -> pathlib.Path:
    """The lesson folder, run and saved, published as a teacher does it."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "torchinspect.publish", str(executed_lessons), str(target)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    weights = [f"{page.name}\t{page.stat().st_size}" for page in sorted(target.glob("*.html"))]
    (ARTIFACTS / "publish-weights.txt").write_text("\n".join(weights) + "\n")
    return target


@pytest.fixture
def offline(browser: Browser) -> Iterator[Page]:
    """A page that may read files and nothing else: every other request is aborted and kept."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.requests_cut = []

    def cut(route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            page.requests_cut.append(route.request.url)
            route.abort()

    context.route("**/*", cut)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
    yield page
    context.close()


def embedded(page_file: pathlib.Path) -> list[dict]:
    """The data of each view the page embeds, in order."""
    soup = BeautifulSoup(page_file.read_text(encoding="utf-8"), "html.parser")
    return [json.loads(script.string) for script in soup.select("script.torchinspect-data")]


def assert_views_drawn(page: Page, views: list[dict]) -> None:
    inspectors = [view for view in views if view["kind"] == "inspector"]
    expect(page.locator(".torchinspect-published .torchinspect-inspector")).to_have_count(len(inspectors))
    expect(page.locator(".torchinspect-published .torchinspect-inspector .torchinspect-summary")).to_have_text(
        [view["snapshot"]["summary"] for view in inspectors]
    )
    expect(page.locator(".torchinspect-published .torchinspect-comparison")).to_have_count(len(views) - len(inspectors))
    graphs = [view for view in inspectors if view["graph"].get("schema")]
    expect(page.locator(".torchinspect-published .torchinspect-graph-section")).to_have_count(len(graphs))
    expect(page.locator(".torchinspect-error:visible")).to_have_count(0)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_page_draws_every_view_offline(site: pathlib.Path, offline: Page, lesson: str):
    page_file = site / f"{lesson}.html"
    views = embedded(page_file)
    assert views, f"{lesson} shows no inspector"
    offline.goto(page_file.as_uri())
    assert_views_drawn(offline, views)
    assert offline.requests_cut == []
    assert offline.console_errors == []


def test_a_published_graph_pans_zooms_and_shows_the_gradient_flow_of_the_lesson(
    site: pathlib.Path, offline: Page, screenshot
):
    """Lesson 1.5's y, coloured by the backward() of a later cell, as the notebook showed it after Run All."""
    page_file = site / "06_computing_gradients.html"
    [y] = [view for view in embedded(page_file) if view["kind"] == "inspector" and view["gradients"].get("schema")]
    offline.goto(page_file.as_uri())
    output = offline.locator(".torchinspect-published", has=offline.locator(".torchinspect-flow-legend")).first
    expect(output.locator(".torchinspect-summary")).to_have_text(y["snapshot"]["summary"])
    expect(output.locator(".torchinspect-graph-box")).to_have_count(len(y["graph"]["nodes"]))
    expect(output.locator(".torchinspect-flow-legend")).to_contain_text("gradient norm (log scale)")
    content = output.locator(".torchinspect-graph-content")
    opened = content.get_attribute("transform")
    output.get_by_role("button", name="zoom in").click()
    expect(content).not_to_have_attribute("transform", opened)
    zoomed = content.get_attribute("transform")
    stage = output.locator(".torchinspect-graph-stage").bounding_box()
    offline.mouse.move(stage["x"] + 60, stage["y"] + 60)
    offline.mouse.down()
    offline.mouse.move(stage["x"] + 160, stage["y"] + 110, steps=5)
    offline.mouse.up()
    expect(content).not_to_have_attribute("transform", zoomed)
    output.get_by_role("button", name="fit the graph").click()
    output.locator(".torchinspect-graph-box", has_text="DotBackward0").click()
    expect(output.locator(".torchinspect-graph-details-title")).to_have_text("DotBackward0")
    expect(output.locator(".torchinspect-graph-details")).to_contain_text("gradient arriving")
    output.screenshot(path=str(ARTIFACTS / "publish-lesson-graph.png"))
    assert offline.requests_cut == []
    assert offline.console_errors == []


def test_the_index_lists_every_lesson_and_the_pages_link_to_each_other(site: pathlib.Path, offline: Page, screenshot):
    offline.goto((site / "index.html").as_uri())
    links = offline.locator("li a")
    expect(links).to_have_count(len(LESSONS))
    assert [links.nth(i).get_attribute("href") for i in range(len(LESSONS))] == [f"{name}.html" for name in LESSONS]
    expect(links.first).to_have_text("PyTorch: a NumPy library that can differentiate")
    screenshot(offline, "publish-index")
    links.first.click()
    expect(offline).to_have_url((site / f"{LESSONS[0]}.html").as_uri())
    # The opening lesson's links to the other lessons lead to their pages.
    offline.locator("a[href='02_creating_tensors.html']").first.click()
    expect(offline.locator(".torchinspect-published .torchinspect-inspector").first).to_be_visible()
    assert offline.requests_cut == []


AFTER_BACKWARD = [
    "import torch\nfrom torchinspect import inspect\ntorch.manual_seed(0)\n"
    "x = torch.randn(20, requires_grad=True)\nA = torch.randn(20, 20)\n"
    'y = 0.5 * torch.dot(x, A @ x)\nshown = inspect(y, name="y", params={"x": x, "A": A})',
    "y.backward()",
    "shown",
]


@pytest.mark.parametrize("command", ["nbconvert", "publish"])
def test_a_notebook_saved_without_outputs_is_run_and_written_as_an_interactive_page(
    command: str, tmp_path: pathlib.Path, offline: Page
):
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in AFTER_BACKWARD])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "lessons").mkdir()
    nbformat.write(notebook, tmp_path / "lessons" / "lesson.ipynb")
    if command == "nbconvert":
        arguments = ["jupyter", "nbconvert", "--to", "torchinspect-html", "--execute"]
        arguments.append(str(tmp_path / "lessons" / "lesson.ipynb"))
        page_file = tmp_path / "lessons" / "lesson.html"
    else:
        arguments = ["torchinspect.publish", str(tmp_path / "lessons"), str(tmp_path / "site"), "--execute"]
        page_file = tmp_path / "site" / "lesson.html"
    subprocess.run([sys.executable, "-m", *arguments], check=True, capture_output=True, timeout=300)
    soup = BeautifulSoup(page_file.read_text(encoding="utf-8"), "html.parser")
    assert soup.select("script[src], link[href]") == []  # no widget manager, require.js, MathJax or Mermaid
    # Without scripts, the static table that nbconvert's own HTML shows.
    assert soup.select("noscript .torchinspect-static")
    views = embedded(page_file)
    assert [view["kind"] for view in views] == ["inspector"]
    offline.goto(page_file.as_uri())
    assert_views_drawn(offline, views)
    expect(offline.locator(".torchinspect-flow-bar-name")).to_have_text(["x"])
    assert offline.requests_cut == []
    assert offline.console_errors == []
