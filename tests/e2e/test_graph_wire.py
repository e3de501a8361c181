"""A big graph's widget in Chromium: its state within the first payload's bound, and a folded box
whose units were left out fetching them from the kernel and drawing them."""

from __future__ import annotations

from ipywidgets.widgets.widget import _remove_buffers
from jupyter_client.session import json_packer
from playwright.sync_api import Page, expect
from test_widget_page import harness  # noqa: F401 (the page with the widget bundle and a fake model)

import graphs
from torchinspect import inspect
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES
from torchinspect.tensor.snapshot import jsonable

BOX = ".torchinspect-graph-box"


def kernel_of(widget):
    """The inspector answering the page as in a notebook: its own message handler, its own reply."""

    def kernel(message):
        sent = []
        widget.send = lambda content, buffers=None: sent.append(content)
        widget._answer(widget, message, [])
        return {"reply": sent[0] if sent else {}, "buffers": []}  # events (a view opened) get no reply

    return kernel


def test_a_15k_node_fan_is_sent_bounded_and_its_fold_fetches_and_draws_the_units_it_opens(harness: Page, screenshot):  # noqa: F811
    root, params = graphs.g6()
    widget = inspect(root, params=params)
    state, _paths, _buffers = _remove_buffers(widget.get_state())
    assert len(json_packer(state["graph"])) <= FIRST_PAYLOAD_BYTES
    harness.expose_function("kernel", kernel_of(widget))
    harness.evaluate("([snapshot, graph]) => harness.mount(snapshot, graph)", [jsonable(widget.snapshot), widget.graph])
    section = harness.locator(".torchinspect-graph-section")
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
    screenshot(harness, "graph-g6-part-fetched")
    assert harness.errors.messages == []
