"""Saved inspector outputs in real VS Code: code-server 1.100 in Chromium, our .vsix installed.

The lesson notebook, and a short one that shows the lesson's y after its backward(), are run top
to bottom in a real kernel and saved with their outputs, then opened in VS Code's notebook
editor with no kernel and no Jupyter extension (neither is reachable offline): VS Code's
built-in ipynb support hands each torchinspect output to our renderer, which draws it in the
notebook's webview. code-server comes from tools/setup_code_server.sh (`make test` runs it; it
needs Node 20). One code-server serves the module; each test opens its notebook afresh.

VS Code 1.100 gives a renderer an output's other MIME types (the graph, the gradients) only for
an output it draws in view: the lesson's graphs lie below the fold, where VS Code draws their
cards ahead of time and answers nothing for the rest, so the graph is checked in the short notebook.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterator

import nbformat
import pytest
from nbclient import NotebookClient
from playwright.sync_api import Browser, Frame, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import free_port, serving
from legibility import contrast_ratio

REPO = pathlib.Path(__file__).parents[2]
SETUP = REPO / "tools" / "setup_code_server.sh"
CODE_SERVER = REPO / ".cache" / "code-server" / "node_modules" / ".bin" / "code-server"
LESSON = REPO / "examples" / "01_pytorch_can_differentiate.ipynb"
VERSION = json.loads((REPO / "package.json").read_text())["version"]
TENSOR_MIME = "application/vnd.torchinspect.tensor+json"
GRAPH_MIME = "application/vnd.torchinspect.graph+json"
TIMEOUT_MS = 60_000
LIGHT, DARK = "Default Light Modern", "Default Dark Modern"
# A saved output holds what its inspector showed when it was displayed: the gradient flow is in
# it when the inspector is shown after the backward() it recorded, as the last cell does.
AFTER_BACKWARD = [
    "import torch\nfrom torchinspect import inspect\ntorch.manual_seed(0)\n"
    "x = torch.randn(20, requires_grad=True)\nA = torch.randn(20, 20)\n"
    'y = 0.5 * torch.dot(x, A @ x)\nshown = inspect(y, name="y", params={"x": x, "A": A})',
    "y.backward()",
    "shown",
]


def settings(theme: str) -> str:
    return json.dumps(
        {
            "workbench.colorTheme": theme,
            # Without it an extension that does not declare untrusted-workspace support is disabled.
            "security.workspace.trust.enabled": False,
            "workbench.startupEditor": "none",
            "telemetry.telemetryLevel": "off",
            "update.mode": "none",
            "extensions.autoCheckUpdates": False,
        }
    )


class CodeServer:
    def __init__(self, url: str, user_settings: pathlib.Path, workspace: pathlib.Path) -> None:
        self.url = url
        self.user_settings = user_settings
        self.workspace = workspace

    def reset(self) -> None:
        """Back to the settings every test starts with."""
        self.user_settings.write_text(settings(LIGHT))


def run_and_save(notebook: nbformat.NotebookNode, path: pathlib.Path) -> nbformat.NotebookNode:
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    nbformat.write(notebook, path)
    return notebook


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, executed_lessons: pathlib.Path) -> pathlib.Path:
    """The folder VS Code opens, holding the lesson as saved after a run before code-server starts."""
    folder = tmp_path_factory.mktemp("vscode-workspace")
    shutil.copy(executed_lessons / LESSON.name, folder / "lesson.ipynb")
    return folder


@pytest.fixture(scope="module")
def lesson_saved(workspace: pathlib.Path) -> nbformat.NotebookNode:
    return nbformat.read(workspace / "lesson.ipynb", as_version=4)


@pytest.fixture(scope="module")
def after_backward_saved(workspace: pathlib.Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in AFTER_BACKWARD])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return run_and_save(notebook, workspace / "after_backward.ipynb")


@pytest.fixture(scope="module")
def code_server(tmp_path_factory: pytest.TempPathFactory, workspace: pathlib.Path) -> Iterator[CodeServer]:
    """code-server with our .vsix installed, serving the lesson's folder, in a home of its own."""
    setup = subprocess.run([str(SETUP)], capture_output=True, text=True, timeout=600)
    if setup.returncode != 0:
        pytest.fail(f"{SETUP} failed:\n{setup.stdout}\n{setup.stderr}")
    if not CODE_SERVER.exists():
        pytest.skip(setup.stdout.strip())  # the script says why: code-server needs Node 20
    subprocess.run(["npm", "run", "--silent", "build:vscode"], cwd=REPO, check=True, capture_output=True, timeout=300)
    home = tmp_path_factory.mktemp("code-server")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    extensions, user_data = home / "extensions", home / "user-data"
    user_settings = user_data / "User" / "settings.json"
    user_settings.parent.mkdir(parents=True)
    user_settings.write_text(settings(LIGHT))
    vsix = REPO / "dist" / f"torchinspect-vscode-{VERSION}.vsix"
    subprocess.run(
        [str(CODE_SERVER), "--install-extension", str(vsix), "--extensions-dir", str(extensions)],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    command = [
        str(CODE_SERVER), "--bind-addr", f"127.0.0.1:{port}", "--auth", "none",
        "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
        "--disable-getting-started-override",
        "--user-data-dir", str(user_data), "--extensions-dir", str(extensions), str(workspace),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with serving(command, home=home, env=env, ready_url=f"{url}/healthz", what="code-server"):
        yield CodeServer(url, user_settings, workspace)


@pytest.fixture
def vscode(browser: Browser, code_server: CodeServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.webview_errors = []
    page.on("console", lambda message: _keep_webview_error(page, message))
    page.on("pageerror", lambda error: page.webview_errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    code_server.reset()


def _keep_webview_error(page: Page, message) -> None:
    """Errors of the notebook's webview; the workbench's own (no ripgrep, no native logging) are not ours."""
    if message.type == "error" and "/webview/" in (message.location.get("url") or ""):
        page.webview_errors.append(message.text)


def open_notebook(page: Page, code_server: CodeServer, name: str) -> Frame:
    """Opens the notebook from the Explorer and returns the webview frame its outputs draw in."""
    page.goto(f"{code_server.url}/?folder={code_server.workspace}")
    row = page.locator(".explorer-folders-view .monaco-list-row", has_text=name)
    row.click(timeout=TIMEOUT_MS)
    # Opened before the ipynb notebook type has registered (slow on a loaded machine), the file
    # shows as JSON text: close it and open it again until the notebook editor takes it.
    for _ in range(TIMEOUT_MS // 5_000):
        if _shows_notebook(page, 5_000):
            break
        page.locator(".tabs-container .tab .codicon-close").first.click()
        row.click()
    assert _shows_notebook(page, 5_000), f"VS Code did not open {name} as a notebook"
    return webview(page)


def _shows_notebook(page: Page, timeout_ms: int) -> bool:
    try:
        page.locator(".notebookOverlay").wait_for(timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return False
    return True


def webview(page: Page) -> Frame:
    """The frame of the notebook's webview once our renderer drew in it (outputs draw in VS Code's iframes)."""
    for _ in range(TIMEOUT_MS // 250):
        for frame in page.frames:
            if frame.locator(".torchinspect-inspector").count() > 0:
                return frame
        page.wait_for_timeout(250)
    raise AssertionError("no webview drew a torchinspect output within 60 s")


def bring_into_view(page: Page, target: Locator) -> None:
    """Scrolls the notebook, whose webview follows it, until target is on screen."""
    notebook = page.locator(".notebookOverlay").bounding_box()
    for _ in range(20):
        box = target.bounding_box()
        offset = box["y"] - (notebook["y"] + 120)
        if abs(offset) < 40:
            return
        page.mouse.move(notebook["x"] + notebook["width"] / 2, notebook["y"] + notebook["height"] / 2)
        page.mouse.wheel(0, offset)
        page.wait_for_timeout(150)


def choose_theme(page: Page, theme: str) -> None:
    """As a user does: the command palette's "Preferences: Color Theme", then the theme."""
    page.locator(".tabs-container .tab").first.click()
    page.keyboard.press("F1")
    # Keys typed before the palette has focus are lost, and the unfiltered list hides the row.
    expect(page.locator(".quick-input-widget .quick-input-box input")).to_be_focused(timeout=30_000)
    page.keyboard.type("Preferences: Color Theme")
    page.locator(".quick-input-list .monaco-list-row", has_text="Preferences: Color Theme").first.click()
    page.keyboard.type(theme)
    page.locator(".quick-input-list .monaco-list-row", has_text=theme).first.click()


def saved(notebook: nbformat.NotebookNode, mime: str) -> list[dict]:
    """What the notebook saved under mime, output by output."""
    return [
        output["data"][mime]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if mime in output.get("data", {})
    ]


def test_the_lesson_shows_every_saved_inspector_and_comparison(vscode: Page, code_server, lesson_saved, screenshot):
    frame = open_notebook(vscode, code_server, "lesson.ipynb")
    cards = frame.locator(".torchinspect-inspector")
    expect(cards.locator(".torchinspect-summary")).to_have_text(
        [s["summary"] for s in saved(lesson_saved, TENSOR_MIME)]
    )
    expect(frame.locator(".torchinspect-comparison")).to_contain_text("close: torch.testing.assert_close passes")
    # y's graph lies below the fold: VS Code draws its card ahead of view and does not hand over the graph.
    expect(frame.locator(".torchinspect-graph-section, .torchinspect-graph-withheld")).to_have_count(
        len(saved(lesson_saved, GRAPH_MIME))
    )
    # 20 elements: x's values and grad are shown as numbers.
    expect(cards.nth(3).locator(".torchinspect-panels .torchinspect-values")).to_have_count(2)
    # A saved output has no kernel behind it: no live bar, no slicer.
    expect(frame.locator(".torchinspect-livebar")).to_have_count(0)
    bring_into_view(vscode, cards.nth(2))
    screenshot(vscode, "vscode-real-lesson-light")
    expect(frame.locator(".torchinspect-error:visible")).to_have_count(0)
    assert vscode.webview_errors == []


def test_the_saved_graph_pans_zooms_shows_details_and_its_gradient_flow(
    vscode: Page, code_server, after_backward_saved, screenshot
):
    [graph] = saved(after_backward_saved, GRAPH_MIME)
    frame = open_notebook(vscode, code_server, "after_backward.ipynb")
    output = frame.locator(".torchinspect-graph-section")
    expect(output.locator(".torchinspect-graph-box")).to_have_count(len(graph["nodes"]), timeout=TIMEOUT_MS)
    expect(output.locator(".torchinspect-graph-box", has_text="MvBackward0")).to_be_visible()
    bring_into_view(vscode, output)
    fitted = output.locator(".torchinspect-graph-content").get_attribute("transform")
    output.get_by_role("button", name="zoom in").click()
    expect(output.locator(".torchinspect-graph-content")).not_to_have_attribute("transform", fitted)
    zoomed = output.locator(".torchinspect-graph-content").get_attribute("transform")
    stage = output.locator(".torchinspect-graph-stage").bounding_box()
    vscode.mouse.move(stage["x"] + 60, stage["y"] + 60)
    vscode.mouse.down()
    vscode.mouse.move(stage["x"] + 160, stage["y"] + 110, steps=5)
    vscode.mouse.up()
    expect(output.locator(".torchinspect-graph-content")).not_to_have_attribute("transform", zoomed)
    output.get_by_role("button", name="fit the graph").click()
    expect(output.locator(".torchinspect-graph-content")).to_have_attribute("transform", fitted)
    output.locator(".torchinspect-graph-box", has_text="DotBackward0").click()
    details = output.locator(".torchinspect-graph-details")
    expect(details.locator(".torchinspect-graph-details-title")).to_have_text("DotBackward0")
    expect(details).to_contain_text("Saved tensors")
    # The gradients of y.backward(), saved with the output: links coloured by norm, a bar per parameter.
    expect(output.locator(".torchinspect-flow-legend")).to_contain_text("gradient norm (log scale)")
    expect(output.locator(".torchinspect-flow-bar-name")).to_have_text(["x"])
    screenshot(vscode, "vscode-real-graph-light")

    light = frame.locator(".torchinspect-inspector").evaluate("node => getComputedStyle(node).backgroundColor")
    choose_theme(vscode, DARK)
    expect(frame.locator("body.vscode-dark")).to_be_attached(timeout=TIMEOUT_MS)
    expect(frame.locator(".torchinspect-inspector")).not_to_have_css("background-color", light)
    assert (
        _luminance(frame.locator(".torchinspect-inspector").evaluate("node => getComputedStyle(node).backgroundColor"))
        < 0.15
    )
    assert contrast_ratio(frame, ".torchinspect-summary") >= 7
    expect(output.locator(".torchinspect-flow-legend")).to_be_visible()
    screenshot(vscode, "vscode-real-graph-dark")
    expect(frame.locator(".torchinspect-error:visible")).to_have_count(0)
    assert vscode.webview_errors == []


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
