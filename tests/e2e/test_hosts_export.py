"""export_html's page opened from disk in Chromium with the network cut: it draws the card
and the graph, stays interactive, asks for nothing, and runs nothing from the kernel."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest
import torch
from playwright.sync_api import Browser, Page, expect

import torchinspect

HOSTILE = "</script><img src=x onerror=alert(1)>"


def lesson():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    return x, A, y


class OfflinePage:
    """A page that may read files and nothing else: every other request is recorded and refused."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 1000}, offline=True)
        self.requested: list[str] = []
        self.refused: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: pathlib.Path) -> Page:
        self.page.goto(path.as_uri())
        expect(self.page.locator("#torchinspect-page .torchinspect").first).to_be_visible()
        return self.page

    def off_disk(self) -> list[str]:
        """Requests for anything but the page's own file (and what it makes itself)."""
        return [url for url in self.requested if not url.startswith(("file://", "data:", "blob:"))] + self.refused


@pytest.fixture
def offline(browser: Browser):
    page = OfflinePage(browser)
    yield page
    page.context.close()


def field(page: Page, label: str):
    return page.locator(f".torchinspect-value[data-field='{label}'] code")


def test_the_exported_page_draws_card_graph_and_gradients_offline(offline: OfflinePage, tmp_path, screenshot):
    x, A, y = lesson()
    inspector = torchinspect.inspect(y, name="y", params={"x": x})
    y.backward()
    inspector.refresh()
    assert inspector.gradients != {}
    path = torchinspect.export_html(inspector, tmp_path / "lesson.html")
    inspector.close()

    page = offline.open(path)
    expect(page.locator(".torchinspect-summary").first).to_have_text(inspector.snapshot["summary"])
    expect(field(page, "grad_fn")).to_have_text("MulBackward0")
    expect(field(page, "shape")).to_have_text("[]")
    expect(page.locator(".torchinspect-graph-box")).to_have_count(len(inspector.graph["nodes"]))
    expect(page.locator(".torchinspect-graph-box", has_text="x").first).to_be_visible()
    # The gradients of the backward() before the export colour the graph.
    expect(page.locator(".torchinspect-graph.has-flow")).to_have_count(1)
    # No kernel behind the page: nothing offers to fetch a node's values.
    expect(page.get_by_role("button", name=re.compile("^Show"))).to_have_count(0)
    screenshot(page, "export-lesson")
    assert offline.off_disk() == []
    assert offline.errors == []


def test_the_exported_graph_pans_zooms_and_selects(offline: OfflinePage, tmp_path):
    x, A, y = lesson()
    page = offline.open(torchinspect.export_html(y, tmp_path / "y.html", params={"x": x}))
    content = page.locator(".torchinspect-graph-content")
    before = content.get_attribute("transform")
    page.get_by_role("button", name="zoom in").click()
    expect(content).not_to_have_attribute("transform", before)
    page.locator(".torchinspect-graph-box", has_text="DotBackward0").click()
    expect(page.locator(".torchinspect-graph-details-title")).to_have_text("DotBackward0")
    assert offline.off_disk() == []


def test_the_exported_heatmap_reads_values_under_the_pointer(offline: OfflinePage, tmp_path):
    torch.manual_seed(0)
    A = torch.randn(20, 20)
    page = offline.open(torchinspect.export_html(A, tmp_path / "A.html", name="A"))
    heatmap = page.locator(".torchinspect-heatmap").first
    canvas = heatmap.locator(".torchinspect-heatmap-canvas")
    cell = canvas.bounding_box()["width"] / 20
    canvas.hover(position={"x": 7 * cell + cell / 2, "y": 3 * cell + cell / 2})
    # The shortest decimal of the float32 value, as NumPy writes it.
    expect(heatmap.locator(".torchinspect-plot-readout")).to_have_text(f"[3, 7] = {str(np.float32(A[3, 7].item()))}")
    assert offline.off_disk() == []


def test_kernel_strings_stay_text_in_the_exported_page(offline: OfflinePage, tmp_path, screenshot):
    x, A, y = lesson()
    path = torchinspect.export_html(y, tmp_path / "hostile.html", name=HOSTILE, params={HOSTILE: x})
    text = path.read_text()
    assert HOSTILE not in text
    assert text.count("</script>") == 2
    page = offline.open(path)
    expect(page.locator(".torchinspect-summary").first).to_contain_text(HOSTILE)
    expect(page.locator(".torchinspect-graph-box", has_text="</script>")).to_have_count(1)
    expect(page.locator("img")).to_have_count(0)
    assert offline.dialogs == []
    screenshot(page, "export-hostile-name")
    assert offline.off_disk() == []
    assert offline.errors == []


def test_an_exported_comparison_shows_the_verdict_and_three_panels(offline: OfflinePage, tmp_path):
    actual = torch.tensor([1.0, 2.0, 3.0])
    page = offline.open(torchinspect.export_html(torchinspect.compare(actual, actual + 1), tmp_path / "c.html"))
    expect(page.locator(".torchinspect-verdict")).to_contain_text("✗ not close")
    expect(page.locator(".torchinspect-panel")).to_have_count(3)
    assert offline.off_disk() == []


def test_the_exported_page_is_legible_in_dark_mode(offline: OfflinePage, tmp_path, screenshot):
    offline.page.emulate_media(color_scheme="dark")
    x, A, y = lesson()
    page = offline.open(torchinspect.export_html(y, tmp_path / "dark.html", name="y", params={"x": x}))
    background = page.evaluate("getComputedStyle(document.querySelector('.torchinspect-inspector')).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    screenshot(page, "export-lesson-dark")
