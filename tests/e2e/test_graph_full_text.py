"""A graph node's name the page got shortened (200 characters around an ellipsis) shows whole on
request in Chromium: the details panel asks the kernel, which reads it from the inspected
tensor's graph walked again, and the panel's heading shows it whole too; past 60,000 characters,
the first of them and how many in all."""

from __future__ import annotations

import torch
from playwright.sync_api import Page, expect

from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import inspect
from torchinspect.graph.long_texts import FULL_TEXT_CHARACTERS, short_text

BOX = ".torchinspect-graph-box"


def test_a_shortened_name_shows_whole_on_request_and_a_short_one_has_nothing_to_ask(harness: Page, screenshot):  # noqa: F811
    long_name = "".join(f"encoder.layers.{index}." for index in range(4_000)) + "weight"  # 94,896 characters
    middle = "encoder.blocks." * 40 + "bias"  # 604 characters
    weights = {long_name: torch.randn(3, requires_grad=True), middle: torch.randn(3, requires_grad=True)}
    weights["w"] = torch.randn(3, requires_grad=True)
    root = (weights[long_name] * weights[middle] + weights["w"]).sum()
    section = mount_inspector(harness, inspect(root, params=weights))
    details = section.locator(".torchinspect-graph-details")

    section.locator(BOX).filter(has_text="encoder.blocks.").first.dispatch_event(
        "click"
    )  # wide boxes: it may lie past the stage
    expect(details.get_by_role("heading", level=3)).to_be_visible()
    expect(details).to_contain_text(short_text(middle))
    details.get_by_role("button", name="show the whole name, which was sent shortened").click()
    whole = details.locator(".torchinspect-graph-details-value.is-whole")
    expect(whole).to_have_text(middle)
    expect(details.get_by_role("heading", level=3)).to_have_text(middle)  # the heading no longer shortened
    screenshot(harness, "graph-full-text")

    section.locator(BOX).filter(has_text="encoder.layers.").first.dispatch_event(
        "click"
    )  # wide boxes: it may lie past the stage
    details.get_by_role("button", name="show the whole name, which was sent shortened").click()
    expect(whole).to_contain_text(f"the first {FULL_TEXT_CHARACTERS:,} of {len(long_name):,} characters")
    shown = whole.evaluate("value => value.firstChild.textContent")
    assert shown == long_name[:FULL_TEXT_CHARACTERS]
    expect(details.get_by_role("heading", level=3)).to_have_text(long_name[:FULL_TEXT_CHARACTERS] + "…")

    section.locator(f"{BOX}.is-leaf").filter(has_not_text="encoder").first.dispatch_event(
        "click"
    )  # w  # wide boxes: it may lie past the stage
    expect(details.get_by_role("heading", level=3)).to_have_text("w")
    expect(details.get_by_role("button", name="show the whole name, which was sent shortened")).to_have_count(0)
    assert harness.errors.messages == []
