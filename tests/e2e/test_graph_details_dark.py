"""The graph details panel's 'show all' button in the dark theme, in Chromium: drawn as the panel's
other buttons are, with the theme's colours, not as the browser's light default button."""

from __future__ import annotations

import torch
from playwright.sync_api import Page, expect

from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import inspect

COLOURS = "button => [getComputedStyle(button).backgroundColor, getComputedStyle(button).color]"


def test_show_all_takes_the_dark_themes_colours_as_the_panels_other_buttons(harness: Page, screenshot):  # noqa: F811
    harness.emulate_media(color_scheme="dark")
    long_name = "encoder.blocks." * 40 + "bias"  # 604 characters: sent shortened
    weight = torch.randn(3, requires_grad=True)
    root = (weight * 2).sum()
    section = mount_inspector(harness, inspect(root, params={long_name: weight}))
    section.locator(".torchinspect-graph-box.is-leaf").dispatch_event("click")
    details = section.locator(".torchinspect-graph-details")
    show_all = details.get_by_role("button", name="show the whole name, which was sent shortened")
    values = details.get_by_role("button", name="Show the values of")
    expect(values).to_be_visible()
    assert show_all.evaluate(COLOURS) == values.evaluate(COLOURS)
    screenshot(harness, "graph-full-text-dark")
    assert harness.errors.messages == []
