"""Big graphs open folded with no preparation: repeated layers as one box ×N, modules inferred from
parameter names; in a plain page, fed real snapshots made by Python."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import graphs
from torchinspect.graph.snapshot import graph_for_view

BOXES = ".torchinspect-graph-box"
FOLDED = ".torchinspect-graph-box.is-folded"
DETAILS = ".torchinspect-graph-details"
BUDGET = 60


@pytest.fixture
def view(open_harness) -> Page:
    return open_harness("graph")


def mount(page: Page, snapshot: dict) -> None:
    page.evaluate("graph => graphs.mount(graph)", snapshot)


@pytest.fixture(scope="module")
def encoder() -> dict:
    """G4 as users inspect it: not recorded, and its model out of the notebook's sight."""
    root, _ = graphs.g4()
    return graph_for_view(root)


def test_an_unrecorded_transformer_opens_as_one_box_of_six_layers(view: Page, encoder: dict, screenshot):
    mount(view, encoder)
    assert len(encoder["nodes"]) > 400
    assert view.locator(BOXES).count() <= BUDGET
    layers = view.locator(FOLDED, has_text="× 6")
    expect(layers).to_have_count(1)
    expect(layers).to_contain_text("1 unlike")
    screenshot(view, "graph-g4-unrecorded-folded")

    layers.click()
    # One layer shows, box by box; the other five stay folded.
    expect(view.locator(FOLDED, has_text="× 5")).to_have_count(1)
    expect(view.locator(BOXES, has_text="NativeLayerNormBackward0")).to_have_count(2)
    expect(view.locator(BOXES, has_text="SafeSoftmaxBackward0")).to_have_count(1)
    screenshot(view, "graph-g4-unrecorded-one-layer")


def test_shift_click_opens_every_unit_of_a_fold(view: Page, encoder: dict):
    mount(view, encoder)
    view.locator(FOLDED, has_text="× 6").click(modifiers=["Shift"])
    view.get_by_role("button", name="fit the graph").click()  # the page holds only what is near the view
    expect(view.locator(FOLDED)).to_have_count(0)
    expect(view.locator(BOXES, has_text="SafeSoftmaxBackward0")).to_have_count(6)


def test_search_finds_a_node_inside_a_fold_through_its_box(view: Page, encoder: dict):
    mount(view, encoder)
    view.locator(".torchinspect-graph-search").fill("SafeSoftmax")
    layers = view.locator(FOLDED, has_text="× 6")
    expect(layers).to_have_class(re.compile(r"\bis-match\b"))
    expect(view.locator(DETAILS)).to_contain_text("repeats")


def test_a_model_in_the_notebook_names_its_inferred_modules(view: Page, screenshot):
    root, model = graphs.g4()
    snapshot = graph_for_view(root, params=model)
    assert snapshot["folding"]["modules"] == "inferred"
    mount(view, snapshot)
    assert view.locator(BOXES).count() <= BUDGET
    layer = view.locator(f'{BOXES}[data-id="module:layers.2"]')
    expect(layer).to_contain_text("inferred")
    view.get_by_role("button", name="fit the graph").click()
    layer.click()
    # Its inner modules, inferred too; the details say how and how to record them exactly.
    attention = view.locator(f'{BOXES}[data-id="module:layers.2.self_attn"]')
    expect(attention).to_contain_text("inferred")
    attention.click()
    expect(view.locator(DETAILS)).to_contain_text("from the names of the parameters its ops take")
    screenshot(view, "graph-g4-inferred-modules")
