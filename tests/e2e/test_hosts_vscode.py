"""The VS Code extension: its renderer, driven through VS Code's notebook renderer API in
Chromium, and the .vsix that `npm run build:vscode` packages, read back with vsce and unzipped."""

from __future__ import annotations

import json
import pathlib
import subprocess
import zipfile

import pytest
import torch
from playwright.sync_api import Page, expect

import torchinspect
from legibility import contrast_ratio

REPO = pathlib.Path(__file__).parents[2]
STAGE = REPO / "dist" / "vscode"
MIME = "application/vnd.torchinspect.tensor+json"
VERSION = json.loads((REPO / "package.json").read_text())["version"]


@pytest.fixture(scope="module")
def vsix() -> pathlib.Path:
    """The extension, built and packaged once for these tests."""
    subprocess.run(["npm", "run", "--silent", "build:vscode"], cwd=REPO, check=True, capture_output=True, timeout=300)
    path = REPO / "dist" / f"torchinspect-vscode-{VERSION}.vsix"
    assert path.is_file()
    return path


@pytest.fixture
def webview(page: Page, repo_server: str, vsix: pathlib.Path) -> Page:
    page.goto(f"{repo_server}/tests/e2e/vscode_harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    yield page
    assert page.errors.messages == []


def render(page: Page, output_id: str, tensor: torch.Tensor, name: str | None = None) -> dict:
    """Hands the renderer a saved output, as a notebook stores it: the snapshot as JSON text."""
    snap = torchinspect.snapshot(tensor, name=name)
    page.evaluate("([id, text]) => vscode.render(id, text)", [output_id, torchinspect.to_json(snap)])
    return snap


def output(page: Page, output_id: str):
    return page.locator(f"#output-{output_id}")


def field(scope, label: str):
    return scope.locator(f".torchinspect-value[data-field='{label}'] code")


def lesson_x() -> torch.Tensor:
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    (0.5 * torch.dot(x, A @ x)).backward()
    return x


def test_a_saved_snapshot_renders_as_the_inspector(webview: Page, screenshot):
    snap = render(webview, "x", lesson_x(), name="x")
    shown = output(webview, "x")
    expect(shown.locator(".torchinspect-summary")).to_have_text(snap["summary"])
    expect(field(shown, "shape")).to_have_text("[20]")
    expect(field(shown, "grad")).to_have_text("tensor[20] float32")
    # 20 elements: the values and the grad are shown as numbers, not as heatmaps.
    expect(shown.locator(".torchinspect-panels .torchinspect-values")).to_have_count(2)
    expect(shown.locator(".torchinspect-heatmap-canvas")).to_have_count(0)
    # A saved output has no kernel behind it: no slicer, no live bar.
    expect(shown.locator(".torchinspect-livebar")).to_have_count(0)
    screenshot(webview, "vscode-renderer-light")


def test_the_theme_comes_from_vscode(webview: Page, screenshot):
    render(webview, "A", torch.randn(20, 20), name="A")
    card = output(webview, "A").locator(".torchinspect-inspector")
    assert card.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(255, 255, 255)"
    webview.evaluate("vscode.theme('dark')")
    assert card.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(31, 31, 31)"
    assert card.evaluate("node => getComputedStyle(node).color") == "rgb(204, 204, 204)"
    assert contrast_ratio(webview, ".torchinspect-value code") >= 7
    screenshot(webview, "vscode-renderer-dark")


GRAPH_MIME = "application/vnd.torchinspect.graph+json"


def test_the_graph_saved_in_the_same_output_is_drawn_under_the_card(webview: Page):
    y = 0.5 * torch.dot(lesson_x().detach().requires_grad_(), torch.randn(20, 20) @ torch.randn(20))
    graph = torchinspect.autograd_graph(y)
    siblings = {GRAPH_MIME: json.dumps(graph)}
    webview.evaluate(
        "([id, text, siblings]) => vscode.render(id, text, siblings)",
        ["y", torchinspect.to_json(torchinspect.snapshot(y, name="y")), siblings],
    )
    expect(output(webview, "y").locator(".torchinspect-graph-box")).to_have_count(len(graph["nodes"]))
    expect(output(webview, "y").locator(".torchinspect-graph-withheld")).to_have_count(0)


def test_a_graph_vscode_does_not_hand_over_is_said_so_under_the_card(webview: Page):
    y = lesson_x().sum()
    webview.evaluate(
        "([id, text, siblings]) => vscode.render(id, text, siblings)",
        ["y", torchinspect.to_json(torchinspect.snapshot(y, name="y")), {GRAPH_MIME: None}],
    )
    expect(output(webview, "y").locator(".torchinspect-summary")).to_contain_text("y: tensor[]")
    expect(output(webview, "y").locator(".torchinspect-graph-section")).to_have_count(0)
    expect(output(webview, "y").locator(".torchinspect-graph-withheld")).to_contain_text("VS Code did not hand")


def test_outputs_update_in_place_share_one_stylesheet_and_go_when_disposed(webview: Page):
    render(webview, "a", torch.zeros(3), name="a")
    render(webview, "b", torch.ones(2), name="b")
    render(webview, "a", torch.full((3,), 7.0), name="a")
    expect(output(webview, "a").locator(".torchinspect-inspector")).to_have_count(1)
    expect(output(webview, "a").locator(".torchinspect-summary")).to_have_text("a: tensor[3] float32 cpu all=7")
    assert webview.locator("style#torchinspect-vscode-style").count() == 1
    webview.evaluate("vscode.dispose('a')")
    expect(output(webview, "a").locator(".torchinspect")).to_have_count(0)
    expect(output(webview, "b").locator(".torchinspect-summary")).to_have_text("b: tensor[2] float32 cpu all=1")
    webview.evaluate("vscode.dispose()")
    expect(webview.locator(".torchinspect")).to_have_count(0)


def test_kernel_strings_are_text_and_bad_outputs_are_refused_in_words(webview: Page):
    hostile = '<img src=x onerror="window.pwned = true">'
    render(webview, "h", torch.zeros(1), name=hostile)
    expect(output(webview, "h").locator(".torchinspect-summary")).to_have_text(f"{hostile}: tensor[1] float32 cpu =0")
    expect(webview.locator("#outputs img")).to_have_count(0)
    assert webview.evaluate("window.pwned") is None
    webview.evaluate("vscode.render('old', JSON.stringify({schema: 'torchinspect.tensor/9'}))")
    expect(output(webview, "old")).to_contain_text(
        'this view reads "torchinspect.tensor/1" snapshots, got "torchinspect.tensor/9"'
    )
    webview.evaluate("vscode.render('cut', '{\"schema\": ')")
    expect(output(webview, "cut")).to_contain_text("torchinspect: this output is not JSON")


def test_vsce_lists_what_the_extension_ships(vsix: pathlib.Path):
    listed = subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "vsce"), "ls", "--no-dependencies"],
        cwd=STAGE, check=True, capture_output=True, text=True, timeout=120,
    ).stdout.split()  # fmt: skip
    assert sorted(listed) == ["README.md", "package.json", "renderer.js"]


def test_the_vsix_contributes_the_renderer_and_carries_its_entry(vsix: pathlib.Path):
    with zipfile.ZipFile(vsix) as archive:
        manifest = json.loads(archive.read("extension/package.json"))
        [renderer] = manifest["contributes"]["notebookRenderer"]
        assert renderer["mimeTypes"] == [MIME, "application/vnd.torchinspect.comparison+json"]
        entry = "extension/" + renderer["entrypoint"].removeprefix("./")
        assert archive.read(entry) == (STAGE / "renderer.js").read_bytes()
        assert b"activate" in archive.read(entry)
        vsixmanifest = archive.read("extension.vsixmanifest").decode()
    assert manifest["version"] == VERSION
    assert manifest["engines"]["vscode"].startswith("^1.")
    assert "main" not in manifest and "browser" not in manifest  # a renderer only: no extension host code
    assert f'Id="{manifest["name"]}"' in vsixmanifest and f'Version="{VERSION}"' in vsixmanifest
    assert f'Publisher="{manifest["publisher"]}"' in vsixmanifest
