"""A leaf stacked with itself 10,000 times in Chromium: its edges come as one counted edge, drawn
as one link labelled ×10,000, and the stack's details say how many of its inputs the leaf is."""

from __future__ import annotations

import torch
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer
from playwright.sync_api import Page, expect

from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import inspect
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES

BOX = ".torchinspect-graph-box"


def test_a_leaf_stacked_with_itself_is_one_link_counted(harness: Page, screenshot):  # noqa: F811
    x = torch.ones(3, requires_grad=True)
    root = torch.stack([x] * 10_000).sum()
    widget = inspect(root, params={"x": x})
    root.backward()
    widget.refresh()
    state, _paths, _buffers = _remove_buffers(widget.get_state())
    assert len(json_packer(state["graph"])) + len(json_packer(state["gradients"])) <= FIRST_PAYLOAD_BYTES
    section = mount_inspector(harness, widget)
    expect(section.locator(".torchinspect-graph-link")).to_have_count(3)
    expect(section.locator(".torchinspect-graph-link-label", has_text="×10,000")).to_have_count(1)
    section.locator(BOX, has_text="StackBackward0").click()
    details = section.locator(".torchinspect-graph-details")
    expect(details).to_contain_text("as 10,000 of its inputs")
    # the gradient leaving to each input listed goes to x, though one edge of the 10,000 came
    expect(details).to_contain_text("x (tensors[15]) → AccumulateGrad: x")
    expect(details).to_contain_text("and 9,984 more inputs")
    screenshot(harness, "graph-counted-edge")


def test_each_input_of_a_node_fed_by_several_counted_pairs_names_its_node(harness: Page, screenshot):  # noqa: F811
    leaves = {name: torch.ones(3, requires_grad=True) for name in "xyz"}
    root = torch.stack([leaves["x"]] * 10 + [leaves["y"]] * 30 + [leaves["z"]] * 30).sum()
    widget = inspect(root, params=leaves)
    root.backward()
    widget.refresh()
    section = mount_inspector(harness, widget)
    section.locator(BOX, has_text="StackBackward0").click()
    details = section.locator(".torchinspect-graph-details")
    expect(details).to_contain_text("x (tensors[9]) → AccumulateGrad: x")
    # inputs 10 to 39 are y's, sent as one edge counted 30 times from input 10 on
    expect(details).to_contain_text("y (tensors[10]) → AccumulateGrad: y")
    expect(details).to_contain_text("y (tensors[15]) → AccumulateGrad: y")
    expect(details).not_to_contain_text("no node")
    details.get_by_text("y (tensors[15])").scroll_into_view_if_needed()
    screenshot(harness, "graph-counted-pairs")
    assert harness.errors.messages == []
