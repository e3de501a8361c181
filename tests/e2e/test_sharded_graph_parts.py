"""A DTensor's inspector in Chromium: its graph sent bounded, and a folded box whose units were
left out fetching them from the rank that shows it (which walks its own nodes alone)."""

from __future__ import annotations

import torch
from playwright.sync_api import Page, expect

from test_widget_page import harness, kernel_of  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect.distributed.widget import ShardedInspector
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES, first_payload, payload_bytes
from torchinspect.tensor.snapshot import jsonable, snapshot

BOX = ".torchinspect-graph-box"


def test_a_sharded_inspector_fold_fetches_the_units_it_was_sent_without(harness: Page, screenshot) -> None:  # noqa: F811
    """The widget as inspect_sharded makes it on the shown rank; a plain tensor's graph stands for
    the DTensor's, since the page and the answer read this rank's autograd nodes alone."""
    h = torch.zeros(4, requires_grad=True)
    for _ in range(2_000):
        h = torch.tanh(h * 2 + 1)
    widget = ShardedInspector(h, snapshot(h, name="h"), first_payload(graph_for_view(h)), [])
    assert payload_bytes(widget.graph) <= FIRST_PAYLOAD_BYTES
    harness.expose_function("kernel", kernel_of(widget))
    harness.evaluate(
        "([snapshot, graph]) => harness.mountState({ sharded: true, snapshot, graph, blocks: [] })",
        [jsonable(widget.snapshot), widget.graph],
    )
    section = harness.locator(".torchinspect-graph-section")
    expect(section).to_contain_text("for 6,002 nodes")
    section.locator(BOX, has_text="× 2,000").click()
    # its first unit was not sent: the rank sends it (the box lies below the graph's viewport at this size)
    section.locator(BOX, has_text="× 1,999").dispatch_event("click")
    expect(section.locator(BOX, has_text="× 1,998")).to_be_visible()
    expect(section).not_to_contain_text("cannot be loaded")
    screenshot(harness, "sharded-graph-part-fetched")
    assert harness.errors.messages == []
