"""A big graph's widget in Chromium: its state within the first payload's bound, and a folded box
whose units were left out fetching them from the kernel and drawing them; a repeat's units, the
ops of a span of a graph nothing repeats in, or the leaves a node takes by the thousand."""

from __future__ import annotations

import torch
from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer
from playwright.sync_api import Page, expect

import graphs
from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import autograd_graph, inspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES

BOX = ".torchinspect-graph-box"


def mount_bounded(page: Page, widget):
    """Mount the inspector's state as the page gets it, after checking what it sends first is within the bound."""
    state, _paths, _buffers = _remove_buffers(widget.get_state())
    assert len(json_packer(state["graph"])) <= FIRST_PAYLOAD_BYTES
    assert len(json_packer(state["gradients"])) <= FIRST_PAYLOAD_BYTES
    return mount_inspector(page, widget)


def test_a_15k_node_fan_is_sent_bounded_and_its_fold_fetches_and_draws_the_units_it_opens(harness: Page, screenshot):  # noqa: F811
    root, params = graphs.g6()
    widget = inspect(root, params=params)
    oracle = GradientRecorder(root)  # the same pass, recorded apart from the widget
    root.backward()
    widget.refresh()
    section = mount_bounded(harness, widget)
    expect(section.locator(BOX, has_text="× 5,000")).to_be_visible()
    expect(section).to_contain_text("for 15,003 nodes")
    search = section.get_by_role("searchbox")
    search.fill("l2500")  # a leaf in the units not sent: found through the fold's box
    expect(section.locator(".torchinspect-graph-matches")).to_have_text("1 of 1")
    search.fill("")
    section.locator(BOX, has_text="× 5,000").click()
    section.locator(BOX, has_text="× 4,999").click()  # its first unit was not sent: the kernel sends it
    expect(section.locator(BOX, has_text="× 4,998")).to_be_visible()
    expect(section.locator(BOX).get_by_text("l1", exact=True)).to_be_visible()
    expect(section).to_contain_text("for 15,003 nodes")
    # l1's gradient was not sent first: it came with the part, as torch computed it
    whole = gradient_report(*oracle.take_record(), widget.graph)
    l1 = next(node["id"] for node in autograd_graph(root, params=params)["nodes"] if node["name"] == "l1")
    section.locator(BOX).filter(has=harness.get_by_text("l1", exact=True)).click()
    details = section.locator(".torchinspect-graph-details")
    expect(details).to_contain_text("gradient arriving")
    expect(details).to_contain_text(f"{whole['nodes'][l1]['arriving'][0]['norm']:.4g}")
    expect(details).to_contain_text(f"step {whole['nodes'][l1]['step'] + 1:,} of 15,002 of the backward pass")
    screenshot(harness, "graph-g6-part-fetched")
    assert harness.errors.messages == []


def test_a_chain_nothing_repeats_in_opens_as_spans_and_a_span_fetches_and_draws_its_ops(harness: Page, screenshot):  # noqa: F811
    root, params = graphs.no_repeats()
    widget = inspect(root, params=params)
    section = mount_bounded(harness, widget)
    spans = section.locator(BOX, has_text="in forward order")
    expect(spans).to_have_count(24)
    assert section.locator(BOX).count() <= 60
    expect(section).to_contain_text("for 2,011 nodes")
    last = section.locator(BOX, has_text="ops 1,926–2,009 of 2,009")
    expect(last).to_contain_text("84 nodes")
    search = section.get_by_role("searchbox")
    search.fill("AtanBackward0")  # in every span, and in the ops sent of them
    expect(section.locator(".torchinspect-graph-matches")).to_contain_text("of")
    search.fill("")
    last.click()  # next to the root, in view; its 82 middle ops were not sent: the kernel sends them
    expect(section).to_contain_text("108 boxes for 2,011 nodes")
    section.get_by_role("button", name="fit the graph").click()  # the page holds only what is near the view
    expect(spans).to_have_count(23)
    expect(section.locator(BOX, has_text="ops 1,926–2,009 of 2,009")).to_have_count(0)
    expect(section.locator(BOX, has_text="AtanBackward0").first).to_be_visible()
    expect(section).to_contain_text("for 2,011 nodes")
    screenshot(harness, "graph-spans-opened")
    assert harness.errors.messages == []


def test_a_stack_of_2000_leaves_opens_as_one_box_of_its_inputs_that_fetches_each_leaf(harness: Page, screenshot):  # noqa: F811
    named = {f"leaf{index}": torch.randn(3, requires_grad=True) for index in range(2_000)}
    root = torch.stack(list(named.values())).sum()
    widget = inspect(root, params=named)
    section = mount_bounded(harness, widget)
    inputs = section.locator(BOX, has_text="2,000 inputs of StackBackward0")
    expect(inputs).to_contain_text("leaves it alone takes · 2,000 nodes")
    expect(section).to_contain_text("4 boxes for 2,003 nodes")
    expect(section.locator(".torchinspect-graph-link-label", has_text="×2,000")).to_have_count(1)
    search = section.get_by_role("searchbox")
    search.fill("leaf1500")  # not sent: found through the box
    expect(section.locator(".torchinspect-graph-matches")).to_have_text("1 of 1")
    expect(section.locator(".torchinspect-graph-details")).to_contain_text("2,000 leaves that only StackBackward0")
    screenshot(harness, "graph-inputs-folded")
    search.fill("")
    inputs.click()  # the 1,998 leaves not sent: the kernel sends them, and each is drawn
    expect(section).to_contain_text("2,003 boxes for 2,003 nodes")
    expect(inputs).to_have_count(0)
    assert harness.errors.messages == []
