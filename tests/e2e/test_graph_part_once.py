"""A folded box clicked again while its units are on their way, in Chromium: the page asks the
kernel for them once, and the status line says they are coming."""

from __future__ import annotations

import torch
from playwright.sync_api import Page, expect

from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import inspect

# The kernel answers after 300 ms, as a busy one does; the units of the page's graph-part requests are kept.
SLOW_KERNEL = """() => {
  const answer = window.kernel;
  window.partsAsked = [];
  window.kernel = async message => {
    if (message.kind === 'torchinspect:graph-part') window.partsAsked.push(message.units.join(' to '));
    await new Promise(resolve => setTimeout(resolve, 300));
    return answer(message);
  };
}"""


def test_a_fold_clicked_again_while_its_units_come_asks_for_them_once(harness: Page):  # noqa: F811
    h = torch.randn(4, requires_grad=True)
    root = h
    for _ in range(1_000):
        root = torch.tanh(root)
    root = root.sum()
    section = mount_inspector(harness, inspect(root, params={"h": h}))
    harness.evaluate(SLOW_KERNEL)
    fold = section.locator(".torchinspect-graph-box.is-folded", has_text="× 1,000")
    fold.click(modifiers=["Shift"])
    expect(section.locator(".torchinspect-graph-status")).to_contain_text("asking the kernel for units")
    fold.click(modifiers=["Shift"])
    expect(section).to_contain_text("1,003 boxes for 1,003 nodes")
    asked = harness.evaluate("window.partsAsked")
    assert asked and len(asked) == len(set(asked))  # the 999 units, in bounded answers, each asked for once
    assert harness.errors.messages == []
