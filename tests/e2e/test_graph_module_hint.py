"""The status line's record_modules hint in Chromium, once every folded box is open: said for a
model whose modules were not recorded, never for a chain of plain tensors, which has no module."""

from __future__ import annotations

import pytest
import torch
from playwright.sync_api import Page, expect
from torch import nn

from test_widget_page import harness, mount_inspector  # noqa: F401 (harness: the page with the widget bundle and a fake model)
from torchinspect import inspect

HINT = "torchinspect.record_modules(model)"


def plain_tanh_chain() -> torch.Tensor:
    """``h = tanh(h * w + 1)`` 300 times, no nn.Module anywhere."""
    h = torch.randn(4, requires_grad=True)
    w = torch.randn(4, requires_grad=True)
    for _ in range(300):
        h = torch.tanh(h * w + 1)
    return h


def unrecorded_model() -> torch.Tensor:
    """40 Linear + Tanh layers run without record_modules: its parameters are a module's."""
    torch.manual_seed(0)
    model = nn.Sequential(*[layer for _ in range(40) for layer in (nn.Linear(4, 4), nn.Tanh())])
    return model(torch.randn(2, 4)).sum()


@pytest.mark.parametrize("build, hinted", [(plain_tanh_chain, False), (unrecorded_model, True)], ids=["chain", "model"])
def test_record_modules_is_suggested_only_where_the_graph_has_modules(harness: Page, build, hinted: bool, screenshot):  # noqa: F811
    root = build()
    section = mount_inspector(harness, inspect(root))
    folded = section.locator(".torchinspect-graph-box.is-folded")
    while folded.count() > 0:
        fold = section.locator(f'[data-id="{folded.first.get_attribute("data-id")}"]')
        fold.click(modifiers=["Shift"])  # opens every unit of the fold
        expect(fold).to_have_count(0)
    status = section.locator(".torchinspect-graph-status")
    expect(status).to_contain_text("boxes for")
    assert (HINT in status.inner_text()) is hinted, status.inner_text()
    assert harness.errors.messages == []
    screenshot(harness, f"graph-module-hint-{build.__name__}")
