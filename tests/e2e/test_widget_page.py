"""The built widget bundle in a plain page, with a fake anywidget model."""

from __future__ import annotations

import base64
import weakref

import pytest
import torch
from playwright.sync_api import Page, expect

import torchinspect
from legibility import contrast_ratio, overlapping_fields
from torchinspect.requests import answer
from torchinspect.tensor.snapshot import jsonable


def lesson_tensors():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    return x, A, y


@pytest.fixture
def harness(page: Page, repo_server: str) -> Page:
    page.goto(f"{repo_server}/tests/e2e/harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def mount(page: Page, tensor: torch.Tensor, name: str | None = None) -> dict:
    """Mount the widget on a snapshot of ``tensor``, sent as JSON (bytes as base64)."""
    snap = jsonable(torchinspect.snapshot(tensor, name=name))
    page.evaluate("snapshot => harness.mount(snapshot)", snap)
    return snap


def update(page: Page, tensor: torch.Tensor, name: str | None = None) -> dict:
    snap = jsonable(torchinspect.snapshot(tensor, name=name))
    page.evaluate("snapshot => harness.set(snapshot)", snap)
    return snap


def open_more(page: Page) -> None:
    """Open the disclosure that holds the statistics, histograms and metadata."""
    more = page.locator(".torchinspect-more").first
    if more.get_attribute("open") is None:
        more.locator("summary").click()


def field(page: Page, label: str):
    return page.locator(f".torchinspect-value[data-field='{label}'] code")


def test_card_shows_what_the_tensor_is(harness: Page, screenshot):
    x, _, _ = lesson_tensors()
    snap = mount(harness, x, name="x")
    expect(harness.locator(".torchinspect-summary")).to_have_text(snap["summary"])
    assert snap["summary"].startswith("x: tensor[20] float32 cpu ∈[")
    expect(field(harness, "shape")).to_have_text("[20]")
    expect(field(harness, "dtype")).to_have_text("float32")
    expect(field(harness, "device")).to_have_text("cpu")
    expect(field(harness, "requires_grad")).to_have_text("True")
    expect(field(harness, "grad_fn")).to_have_text("None")
    expect(field(harness, "is_leaf")).to_have_text("True")
    expect(field(harness, "grad")).to_have_text("None")
    open_more(harness)
    expect(harness.get_by_text("filled when backward() runs through this tensor")).to_be_visible()
    assert overlapping_fields(harness) == []
    screenshot(harness, "widget-page-leaf")
    assert harness.errors.messages == []


def test_card_updates_in_place_when_the_snapshot_changes(harness: Page):
    x, _, y = lesson_tensors()
    mount(harness, x, name="x")
    y.backward()
    update(harness, x, name="x")
    expect(harness.locator(".torchinspect-inspector")).to_have_count(1)
    expect(field(harness, "grad")).to_have_text("tensor[20] float32")
    update(harness, y, name="y")
    expect(field(harness, "grad_fn")).to_have_text("MulBackward0")
    expect(field(harness, "is_leaf")).to_have_text("False")
    expect(field(harness, "shape")).to_have_text("[]")


def test_cleanup_removes_the_card_and_its_listener(harness: Page):
    mount(harness, torch.zeros(2))
    # snapshot, graph, gradients, paused, follows_cells, sees_every_write, superseded and gone
    # changes, and kernel replies
    assert harness.evaluate("harness.listenerCount()") == 9
    harness.evaluate("harness.cleanup()")
    expect(harness.locator(".torchinspect-inspector")).to_have_count(0)
    assert harness.evaluate("harness.listenerCount()") == 0


def test_names_from_the_kernel_are_shown_as_text_never_run(harness: Page):
    hostile = "<img src=x onerror=\"window.pwned = true\">"
    mount(harness, torch.zeros(1), name=hostile)
    expect(harness.locator(".torchinspect-summary")).to_have_text(f"{hostile}: tensor[1] float32 cpu =0")
    expect(harness.locator("#host img")).to_have_count(0)
    assert harness.evaluate("window.pwned") is None


def test_a_snapshot_of_another_schema_is_refused_in_words(harness: Page):
    harness.evaluate("snapshot => harness.mount(snapshot)", {"schema": "torchinspect.tensor/9"})
    expect(harness.locator(".torchinspect-error")).to_contain_text(
        'this view reads "torchinspect.tensor/1" snapshots, got "torchinspect.tensor/9"'
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_card_is_legible_in_light_and_dark(harness: Page, scheme: str, screenshot):
    harness.emulate_media(color_scheme=scheme)
    x, _, _ = lesson_tensors()
    mount(harness, x, name="x")
    background = harness.evaluate(
        "getComputedStyle(document.querySelector('.torchinspect-inspector')).backgroundColor"
    )
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(13, 17, 23)")
    assert contrast_ratio(harness, ".torchinspect-value code") >= 7
    assert contrast_ratio(harness, ".torchinspect-hint") >= 4.5
    screenshot(harness, f"widget-page-{scheme}")


def kernel_for(tensor: torch.Tensor):
    """A stand-in kernel answering the page with torchinspect's own request handling."""
    reference = weakref.ref(tensor)

    def kernel(message):
        reply, buffers = answer(message, reference)
        return {"reply": reply, "buffers": [base64.b64encode(buffer).decode() for buffer in buffers]}

    return kernel


def kernel_of(widget):
    """An inspector widget answering the page as in a notebook: its own message handler, its own reply."""

    def kernel(message):
        sent = []
        widget.send = lambda content, buffers=None: sent.append(content)
        widget._answer(widget, message, [])
        return {"reply": sent[0] if sent else {}, "buffers": []}  # events (a view opened) get no reply

    return kernel


def mount_inspector(page: Page, widget):
    """The inspector's graph section as its page shows it, the widget answering the page's requests."""
    page.expose_function("kernel", kernel_of(widget))
    page.evaluate(
        "([snapshot, graph, gradients]) => harness.mountState({ snapshot, graph, gradients, paused: false, gone: false })",
        [jsonable(widget.snapshot), widget.graph, widget.gradients],
    )
    return page.locator(".torchinspect-graph-section")


def clipboard_after_clicking(page: Page, button: str) -> str:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    return page.evaluate("navigator.clipboard.readText()")


def test_slicer_asks_the_kernel_for_another_slice_and_copies_its_code(harness: Page, screenshot):
    t = torch.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    harness.expose_function("kernel", kernel_for(t))
    mount(harness, t, name="t")
    assert clipboard_after_clicking(harness, "Copy slice code") == "t[0, 0]"
    harness.get_by_label("index on axis 1, 0 to 2").fill("2")
    harness.get_by_label("index on axis 1, 0 to 2").dispatch_event("change")
    expect(harness.locator(".torchinspect-loading")).to_have_count(0)
    expect(harness.locator(".torchinspect-status")).to_be_empty()
    assert clipboard_after_clicking(harness, "Copy slice code") == "t[0, 2]"
    harness.get_by_label("axis shown as rows").select_option("1")
    expect(harness.get_by_label("index on axis 2, 0 to 3")).to_be_visible()
    expect(harness.locator(".torchinspect-loading")).to_have_count(0)
    assert clipboard_after_clicking(harness, "Copy slice code") == "t[0, :, 0]"
    screenshot(harness, "widget-page-slicer")
    assert harness.errors.messages == []


def test_a_failed_slice_request_says_why(harness: Page):
    t = torch.zeros(2, 5, 6)  # over 50 elements: a heatmap and a slicer, not every value
    harness.expose_function("kernel", kernel_for(torch.zeros(1)))  # another tensor: index out of range
    mount(harness, t, name="t")
    harness.get_by_label("index on axis 0, 0 to 1").fill("1")
    harness.get_by_label("index on axis 0, 0 to 1").dispatch_event("change")
    expect(harness.locator(".torchinspect-status")).to_contain_text("torchinspect: ")


def test_copy_summary_copies_the_one_line_summary(harness: Page):
    snap = mount(harness, torch.tensor([1.0, float("nan")]), name="v")
    assert clipboard_after_clicking(harness, "Copy summary") == snap["summary"]


def test_a_meta_tensor_says_plainly_it_has_no_values(harness: Page):
    mount(harness, torch.empty(3, 4, device="meta"), name="m")
    expect(harness.locator(".torchinspect-panel-values .torchinspect-statistics")).to_have_text(
        "a meta tensor has a shape and dtype but no values"
    )
    expect(harness.locator(".torchinspect-histogram")).to_be_hidden()
    expect(harness.locator(".torchinspect-heatmap")).to_be_hidden()
    expect(field(harness, "device")).to_have_text("meta")


def test_complex_values_show_real_and_imaginary_parts_magnitude_and_phase(harness: Page, screenshot):
    eigenvalues = torch.linalg.eigvals(torch.tensor([[0.0, -1.0], [1.0, 0.0]]))  # lesson 1.3's rotation
    mount(harness, eigenvalues, name="eigenvalues")
    values = harness.locator(".torchinspect-panels .torchinspect-values")
    expect(values.locator("[data-part=values] td")).to_have_text(["0.+1.j", "0.-1.j"])
    expect(values.locator("[data-part='magnitude |z|'] td")).to_have_text(["1.", "1."])
    expect(values.locator("[data-part='phase (degrees)'] td")).to_have_text(["90.", "-90."])
    open_more(harness)
    statistics = harness.locator(".torchinspect-more .torchinspect-panel-values .torchinspect-statistics")
    expect(statistics).to_contain_text("(of the magnitude)")
    expect(statistics.locator("[data-stat='real part'] code")).to_have_text("[0, 0] mean 0")
    expect(statistics.locator("[data-stat='imaginary part'] code")).to_have_text("[-1, 1] mean 0")
    screenshot(harness, "widget-page-complex")


def test_a_sparse_tensor_counts_its_implicit_zeros_and_draws_its_heatmap(harness: Page):
    dense = torch.zeros(30, 30)
    dense[1, 2] = 5.0
    mount(harness, dense.to_sparse(), name="s")
    expect(harness.locator(".torchinspect-stat-grid [data-stat=zeros] code")).to_have_text("899")
    expect(harness.locator(".torchinspect-heatmap canvas")).to_be_visible()
    expect(field(harness, "layout")).to_have_text("sparse_coo")


def test_nan_and_inf_counts_are_highlighted(harness: Page, screenshot):
    harness.emulate_media(color_scheme="dark")
    t = torch.randn(40, 60)
    t[3, 4], t[10, 10], t[20, 1] = float("nan"), float("inf"), -float("inf")
    x = t.clone().requires_grad_()
    (x.nan_to_num(0, 0, 0) ** 2).sum().backward()
    mount(harness, x, name="x")
    open_more(harness)
    trouble = harness.locator(".torchinspect-panel-values .torchinspect-trouble")
    expect(trouble).to_have_count(3)
    expect(trouble.locator("code")).to_have_text(["1", "1", "1"])
    expect(harness.locator(".torchinspect-panels > .torchinspect-panel-grad").first).to_be_visible()
    expect(harness.locator(".torchinspect-ratio")).to_contain_text("‖grad‖ / ‖values‖ = ")
    screenshot(harness, "widget-page-nan-dark")


def test_a_result_shows_its_backward_graph_under_the_inspector(harness: Page, screenshot):
    from torchinspect.graph.snapshot import autograd_graph

    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    graph = autograd_graph(y, params={"x": x, "y": y})
    harness.evaluate("([snapshot, graph]) => harness.mount(snapshot, graph)", [jsonable(torchinspect.snapshot(y, name="y")), graph])
    section = harness.locator(".torchinspect-graph-section")
    expect(section).to_be_visible()
    expect(section.locator(".torchinspect-graph-box")).to_have_count(len(graph["nodes"]))
    expect(section.locator(".torchinspect-graph-box", has_text="MulBackward0")).to_be_visible()
    expect(section.locator(".torchinspect-graph-box", has_text="x").first).to_be_visible()
    screenshot(harness, "widget-page-graph")
    harness.evaluate("harness.cleanup()")
    expect(section).to_have_count(0)
    assert harness.errors.messages == []


def test_a_leaf_and_a_saved_tensor_of_the_graph_show_their_values_on_request(harness: Page, screenshot):
    from torchinspect.graph.snapshot import autograd_graph

    x, A, y = lesson_tensors()
    harness.expose_function("kernel", kernel_for(y))
    graph = autograd_graph(y, params={"x": x})
    harness.evaluate("([snapshot, graph]) => harness.mount(snapshot, graph)", [jsonable(torchinspect.snapshot(y, name="y")), graph])
    section = harness.locator(".torchinspect-graph-section")
    section.locator(".torchinspect-graph-box", has_text="x").first.click()
    section.get_by_role("button", name="Show the values of x").click()
    values = section.get_by_label("values of a graph tensor")
    expect(values.locator(".torchinspect-graph-values-title")).to_have_text("Values of x")
    expect(values.locator(".torchinspect-summary")).to_contain_text(f"x: tensor[20] float32 cpu ∈[{x.min().item():.4g}")
    screenshot(harness, "widget-page-graph-leaf-values")
    section.locator(".torchinspect-graph-box", has_text="MvBackward0").click()
    section.get_by_role("button", name="Show saved self").click()
    expect(values.locator(".torchinspect-summary")).to_contain_text("MvBackward0.self: tensor[20, 20] float32")
    expect(values.locator(".torchinspect-heatmap-canvas").first).to_be_visible()
    values.get_by_role("button", name="Close").click()
    expect(values).to_be_hidden()
    assert harness.errors.messages == []
    assert A.grad is None and x.grad is None


def test_the_live_bar_pauses_refreshes_and_says_when_the_tensor_is_gone(harness: Page, screenshot):
    received = []
    harness.expose_function("kernel", lambda message: received.append(message) or {"reply": {}, "buffers": []})
    mount(harness, torch.arange(6.0), name="t")
    status = harness.locator(".torchinspect-live-status")
    expect(status).to_have_text("Live: updates after each cell that changes the tensor.")
    harness.get_by_role("button", name="Pause live updates").click()
    expect(harness.get_by_role("button", name="Resume live updates")).to_have_attribute("aria-pressed", "true")
    assert harness.evaluate("harness.trait('paused')") is True
    harness.get_by_role("button", name="Refresh").click()
    for _ in range(40):  # the stand-in kernel is called from the page's event loop
        if {"kind": "torchinspect:refresh", "id": 0} in received:
            break
        harness.wait_for_timeout(50)
    assert {"kind": "torchinspect:refresh", "id": 0} in received
    harness.evaluate("harness.setTrait('gone', true)")
    expect(status).to_have_text("The tensor no longer exists in the kernel: this is its last picture.")
    expect(harness.get_by_role("button", name="Refresh")).to_be_disabled()
    expect(harness.locator(".torchinspect-summary")).to_contain_text("t: tensor[6]")
    screenshot(harness, "widget-page-gone")


def test_a_view_held_as_of_its_cell_says_so_and_shows_the_latest_on_request(harness: Page):
    mount(harness, torch.zeros(2))
    harness.evaluate("harness.setTrait('paused', true)")
    harness.evaluate("harness.setTrait('superseded', true)")
    status = harness.locator(".torchinspect-live-status")
    expect(status).to_have_text(
        "As of its cell: a later cell showed new output, so this view keeps its picture. "
        "Show latest follows the tensor from here on."
    )
    harness.get_by_role("button", name="Show latest").click()
    assert harness.evaluate("harness.trait('paused')") is False


def test_where_cells_do_not_refresh_the_live_bar_says_to_press_refresh(harness: Page):
    mount(harness, torch.arange(6.0), name="t")
    harness.evaluate("harness.setTrait('follows_cells', false)")
    status = harness.locator(".torchinspect-live-status")
    expect(status).to_have_text("Shows the tensor as it was when drawn: press Refresh to update.")
    expect(harness.get_by_role("button", name="Pause live updates")).to_be_hidden()
    expect(harness.get_by_role("button", name="Refresh")).to_be_enabled()


def test_compare_shows_the_verdict_both_tensors_and_their_difference(harness: Page, screenshot):
    from torchinspect.tensor.comparison import comparison

    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    (0.5 * torch.dot(x, A @ x)).backward()
    data = comparison(x.grad, 0.5 * (A + A.T) @ x.detach(), names=("x.grad", "½(A + Aᵀ)x"))
    for side in ("actual", "expected", "difference"):
        data[side] = jsonable(data[side])
    harness.evaluate("state => harness.mountState(state)", {"comparison": data})
    expect(harness.locator(".torchinspect-verdict")).to_have_text(
        "✓ close: torch.testing.assert_close passes (rtol=1.3e-06, atol=1e-05)"
    )
    expect(harness.locator(".torchinspect-panel-actual .torchinspect-group-title").first).to_have_text("Actual: x.grad")
    expect(harness.locator(".torchinspect-panel-expected .torchinspect-group-title").first).to_have_text("Expected: ½(A + Aᵀ)x")
    expect(harness.locator(".torchinspect-panel-difference")).to_be_visible()
    expect(harness.locator(".torchinspect-errors")).to_contain_text("0 of 20 elements out of tolerance")
    screenshot(harness, "widget-page-compare")
    assert harness.errors.messages == []


def test_compare_against_zeros_reports_the_relative_difference_assert_close_reports(harness: Page):
    from torchinspect.tensor.comparison import comparison

    # Lesson 1.1's shared vs copied after a[0, 0] = 100: the copy still holds 0 there.
    data = comparison(torch.tensor([[100.0, 1.0], [2.0, 3.0]]), torch.tensor([[0.0, 1.0], [2.0, 3.0]]), names=("shared", "copied"))
    for side in ("actual", "expected", "difference"):
        data[side] = jsonable(data[side])
    harness.evaluate("state => harness.mountState(state)", {"comparison": data})
    expect(harness.locator(".torchinspect-verdict")).to_contain_text("✗ not close")
    errors = harness.locator(".torchinspect-errors")
    expect(errors).to_contain_text("greatest absolute difference 100")
    expect(errors).to_contain_text("greatest relative difference inf;")
    expect(errors).to_contain_text("1 of 4 elements out of tolerance")
    assert "Greatest relative difference: inf" in data["verdict"]["message"]
    assert harness.errors.messages == []


def test_the_page_tells_the_kernel_when_a_view_opens_and_when_it_goes(harness: Page):
    received = []
    harness.expose_function("kernel", lambda message: received.append(message) or {"reply": {}, "buffers": []})
    mount(harness, torch.zeros(2))
    harness.evaluate("harness.cleanup()")
    for _ in range(40):  # the stand-in kernel is called from the page's event loop
        if len(received) == 2:
            break
        harness.wait_for_timeout(50)
    assert received == [{"kind": "torchinspect:view", "open": True}, {"kind": "torchinspect:view", "open": False}]


def test_where_a_refresh_cannot_see_every_write_the_live_bar_says_so(harness: Page):
    mount(harness, torch.zeros(2))
    harness.evaluate("harness.setTrait('sees_every_write', false)")
    expect(harness.locator(".torchinspect-live-status")).to_have_text(
        "Live: updates after each cell that changes the tensor. "
        "A write through .data or a NumPy array sharing its memory shows on Refresh."
    )


def test_small_tensors_show_their_numbers_and_a_scalar_one_line(harness: Page, screenshot):
    mount(harness, torch.tensor([[0.1, -2.0, 3.5], [float("nan"), 0.01, 7.0]]), name="m")
    cells = harness.locator(".torchinspect-panels .torchinspect-values [data-part=values] tr")
    expect(cells).to_have_text(["0.1000-2.00003.5000", "nan0.01007.0000"])
    assert cells.first.locator("td").first.get_attribute("title") == "0.10000000149011612"
    expect(harness.locator(".torchinspect-panels .torchinspect-heatmap")).to_have_count(0)
    expect(harness.locator(".torchinspect-more")).not_to_have_attribute("open", "")
    expect(harness.locator(".torchinspect-stat-grid")).to_be_hidden()
    screenshot(harness, "widget-page-small-values")
    update(harness, torch.tensor(2**62 + 1), name="big")
    expect(harness.locator(".torchinspect-panels .torchinspect-values td")).to_have_text(["4611686018427387905"])
    update(harness, torch.tensor(3.14159), name="pi")
    expect(harness.locator(".torchinspect-panels .torchinspect-values td")).to_have_text(["3.1416"])
    expect(harness.locator(".torchinspect-panels .torchinspect-values")).to_be_visible()
    assert harness.errors.messages == []


def test_the_card_is_compact_and_its_disclosure_stays_open_across_updates(harness: Page):
    mount(harness, torch.randn(30, 40), name="w")
    height = harness.locator(".torchinspect-inspector").bounding_box()["height"]
    assert height < 700, height
    expect(harness.locator(".torchinspect-panels .torchinspect-heatmap canvas")).to_be_visible()
    open_more(harness)
    expect(harness.locator(".torchinspect-stat-grid").first).to_be_visible()
    update(harness, torch.randn(30, 40) * 2, name="w")
    expect(harness.locator(".torchinspect-more")).to_have_attribute("open", "")
    expect(harness.locator(".torchinspect-stat-grid").first).to_be_visible()


def test_slicer_applies_an_index_on_enter_and_reads_minus_one_as_the_last(harness: Page):
    t = torch.arange(3 * 4 * 5.0).reshape(3, 4, 5)
    harness.expose_function("kernel", kernel_for(t))
    mount(harness, t, name="t")
    index = harness.get_by_label("index on axis 0, 0 to 2")
    index.fill("-1")
    index.press("Enter")
    expect(harness.locator(".torchinspect-loading")).to_have_count(0)
    expect(harness.get_by_label("index on axis 0, 0 to 2")).to_have_value("2")
    assert clipboard_after_clicking(harness, "Copy slice code") == "t[2]"
    harness.get_by_label("index on axis 0, 0 to 2").fill("1")
    harness.get_by_label("index on axis 0, 0 to 2").press("Enter")
    expect(harness.locator(".torchinspect-loading")).to_have_count(0)
    assert clipboard_after_clicking(harness, "Copy slice code") == "t[1]"


def test_a_1d_tensor_is_a_line_whose_band_reaches_every_value(harness: Page, screenshot):
    torch.manual_seed(0)
    t = torch.randn(1_000_000)
    mount(harness, t, name="v")
    line = harness.locator(".torchinspect-panels .torchinspect-line")
    expect(line.locator("canvas")).to_be_visible()
    expect(line).to_contain_text("the band spans each block's min to max")
    low, high = (f"{value:.4g}" for value in (t.min().item(), t.max().item()))
    expect(line.locator(".torchinspect-line-axis")).to_contain_text(f"{low} … {high}index 0 … 999999")
    expect(harness.locator(".torchinspect-panels .torchinspect-heatmap")).to_have_count(0)
    screenshot(harness, "widget-page-line")


def test_a_heatmap_of_block_means_says_when_its_colours_span_less_than_the_values(harness: Page):
    torch.manual_seed(0)
    mount(harness, torch.randn(1000, 1000), name="big")
    expect(harness.locator(".torchinspect-panels .torchinspect-heatmap")).to_contain_text("(block means); the tensor's values span")


def test_an_expanded_view_shows_the_bytes_it_stores(harness: Page):
    mount(harness, torch.arange(4.0).expand(3, 4), name="stretched")
    open_more(harness)
    expect(field(harness, "bytes")).to_have_text("48 B")
    expect(field(harness, "stored")).to_have_text("16 B")
    expect(harness.locator(".torchinspect-value[data-field=stored]")).to_contain_text("12 elements, only 4 stored")
