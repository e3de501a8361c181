"""The memory line of the graph view: what a real model's graph holds for backward, and where."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import graphs
from test_graph_memory import held_by_torch
from torchinspect.graph.snapshot import graph_for_view

MEMORY = ".torchinspect-graph-memory"


@pytest.fixture
def view(open_harness) -> Page:
    return open_harness("graph")


def mebibytes(nbytes: int) -> str:
    return f"{nbytes / 1024**2:.1f} MiB"


def test_an_encoder_says_what_its_graph_holds_and_which_modules_hold_most(view: Page, screenshot):
    root, model = graphs.g4()
    snapshot = graph_for_view(root, params=model)
    held = held_by_torch(root)
    view.evaluate("graph => graphs.mount(graph)", snapshot)
    line = view.locator(MEMORY)
    expect(line).to_contain_text(f"this graph holds {mebibytes(held)} for backward; ")
    expect(line).to_contain_text("% in layers.*")
    line.locator("summary").click()
    parts = line.locator("li")
    expect(parts.first).to_be_visible()
    # Largest first, each with its bytes and share.
    shares = parts.evaluate_all("items => items.map(item => Number(item.textContent.match(/(\\d+)%$/)[1]))")
    assert shares == sorted(shares, reverse=True) and shares[0] <= 90
    screenshot(view, "graph-g4-memory")
    # A module's details say its part: the search selects the closed layer.
    view.get_by_role("searchbox").fill("layers.1")
    expect(view.locator(".torchinspect-graph-details")).to_contain_text("held for backward")
    expect(view.locator(".torchinspect-graph-details")).to_contain_text("of the graph's")
