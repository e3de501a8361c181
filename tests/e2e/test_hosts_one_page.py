"""Two inspectors on one page, each run by its own copy of the bundle (as anywidget does in
JupyterLab, Notebook 7 and VS Code): neither view reaches into the other's parts."""

from __future__ import annotations

import torch
from playwright.sync_api import Page, expect

import torchinspect
from torchinspect.tensor.snapshot import jsonable


def state_of(tensor: torch.Tensor, name: str, params: dict) -> dict:
    return {
        "snapshot": jsonable(torchinspect.snapshot(tensor, name=name)),
        "graph": torchinspect.autograd_graph(tensor, params=params),
        "gradients": {},
        "paused": False,
        "gone": False,
    }


def test_two_copies_of_the_bundle_draw_two_graphs_that_each_use_their_own_arrowheads(page: Page, repo_server: str):
    page.goto(f"{repo_server}/tests/e2e/one_page_harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    page.evaluate("state => page.mount(0, state)", state_of(0.5 * torch.dot(x, A @ x), "y", {"x": x, "A": A}))
    page.evaluate("state => page.mount(1, state)", state_of((A @ x).tanh().sum(), "z", {"x": x, "A": A}))
    expect(page.locator(".torchinspect-graph")).to_have_count(2)
    # Every arrowhead a link points at is the one inside its own graph, whichever graph came first.
    owners = page.locator(".torchinspect-graph-stage").evaluate_all("""stages => stages.map(svg =>
        [...svg.querySelectorAll('.torchinspect-graph-link')].map(link => {
            const marker = document.getElementById(link.getAttribute('marker-end').slice(5, -1));
            return marker !== null && svg.contains(marker);
        }))""")
    assert [len(links) for links in owners] == [5, 4]
    assert all(all(links) for links in owners)
    ids = page.locator("[id]").evaluate_all("nodes => nodes.map(node => node.id)")
    assert len(ids) == len(set(ids))
    assert page.errors.messages == []
