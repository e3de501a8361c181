"""The histogram and heatmap views in a plain page, fed real snapshots made by Python."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from playwright.sync_api import Page, expect

import torchinspect
from legibility import contrast_ratio
from torchinspect.tensor.snapshot import jsonable



@pytest.fixture
def plots(open_harness) -> Page:
    return open_harness("plots")


def snap(tensor: torch.Tensor) -> dict:
    return jsonable(torchinspect.snapshot(tensor))


def histogram_data(s: dict) -> dict:
    return {
        "histogram": s["histogram"],
        "statistics": s["statistics"],
        "notComputed": s["not_computed"].get("histogram"),
    }


def heatmap_data(s: dict, label: str = "values") -> dict:
    return {"preview": s["preview"], "label": label, "notComputed": s["not_computed"].get("preview")}


def mount(page: Page, kind: str, data: dict, **options) -> int:
    return page.evaluate("([kind, data, options]) => plots[kind](data, options)", [kind, data, options])


def with_specials() -> torch.Tensor:
    torch.manual_seed(0)
    t = torch.randn(1000)
    t[:3] = float("nan")
    t[3] = float("inf")
    t[4:6] = float("-inf")
    return t


def bar_heights(page: Page) -> list[float]:
    return page.eval_on_selector_all(
        ".torchinspect-histogram-bar", "bars => bars.map(bar => bar.getBoundingClientRect().height)"
    )


def float32(value: float) -> str:
    """The shortest decimal of a float32, as NumPy writes it."""
    return str(np.float32(value))


# The histogram


def test_histogram_draws_one_bar_per_bin_and_labels_lo_and_hi(plots: Page):
    s = snap(with_specials())
    mount(plots, "histogram", histogram_data(s))
    expect(plots.locator(".torchinspect-histogram-bin:not([data-special])")).to_have_count(64)
    ticks = plots.locator(".torchinspect-histogram-tick")
    expect(ticks).to_have_text([f"{s['histogram']['lo']:.4g}", f"{s['histogram']['hi']:.4g}"])
    expect(plots.locator(".torchinspect-plot-title")).to_have_text("histogram of values")


def test_nan_and_infinities_get_their_own_bars_with_their_counts(plots: Page):
    mount(plots, "histogram", histogram_data(snap(with_specials())))
    labels = plots.locator(".torchinspect-histogram-special-label")
    expect(labels).to_have_text(["-Inf", "+Inf", "NaN"])
    readout = plots.locator(".torchinspect-plot-readout")
    for kind, text in [("nan", "NaN: 3 values"), ("posinf", "+Inf: 1 value"), ("neginf", "-Inf: 2 values")]:
        plots.hover(f".torchinspect-histogram-bin[data-special={kind}]")
        expect(readout).to_have_text(text)
    nan_colour = plots.eval_on_selector(
        "[data-special=nan] .torchinspect-histogram-bar", "bar => getComputedStyle(bar).backgroundColor"
    )
    assert nan_colour == "rgb(255, 0, 255)"


def test_a_finite_tensor_has_no_special_bars(plots: Page):
    mount(plots, "histogram", histogram_data(snap(torch.randn(100))))
    expect(plots.locator("[data-special]")).to_have_count(0)


def test_log_scale_toggle_lifts_small_bars_and_says_it_is_pressed(plots: Page):
    mount(plots, "histogram", histogram_data(snap(with_specials())))
    toggle = plots.get_by_role("button", name="log scale")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    linear = bar_heights(plots)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    logarithmic = bar_heights(plots)
    assert max(linear) == pytest.approx(max(logarithmic))
    assert sum(logarithmic) > sum(linear) * 1.3
    toggle.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert bar_heights(plots) == linear


def test_arrow_keys_read_the_bars_in_order(plots: Page, screenshot):
    s = snap(torch.tensor([True, False, True, True]))
    mount(plots, "histogram", histogram_data(s))
    expect(plots.locator(".torchinspect-histogram-tick")).to_have_text(["0", "1"])
    plots.focus(".torchinspect-histogram-plot")
    readout = plots.locator(".torchinspect-plot-readout")
    expect(readout).to_have_text("0: 1 value")
    plots.keyboard.press("ArrowRight")
    expect(readout).to_have_text("1: 3 values")
    plots.keyboard.press("ArrowRight")
    expect(readout).to_have_text("1: 3 values")
    screenshot(plots, "plot-views-bool-histogram")


def test_a_sampled_histogram_says_what_it_counted(plots: Page):
    s = snap(torch.ones(1 << 24 | 1))
    assert s["histogram"]["sample_every"] > 1
    mount(plots, "histogram", histogram_data(s))
    step = s["histogram"]["sample_every"]
    expect(plots.locator(".torchinspect-plot-note")).to_have_text(f"counted 1 in {step} values")


def test_without_a_histogram_the_reason_shows_instead(plots: Page):
    s = snap(torch.tensor([float("nan")] * 3))
    mount(plots, "histogram", histogram_data(s))
    expect(plots.locator(".torchinspect-plot-reason")).to_have_text("there are no finite values to count")
    expect(plots.locator(".torchinspect-histogram-plot")).to_be_hidden()
    expect(plots.get_by_role("button", name="log scale")).to_be_hidden()


# The heatmap


def canvas_size(page: Page) -> tuple[float, float]:
    box = page.locator(".torchinspect-heatmap-canvas").bounding_box()
    return box["width"], box["height"]


def hover_cell(page: Page, row: int, column: int, cell_px: int) -> None:
    page.locator(".torchinspect-heatmap-canvas").hover(
        position={"x": column * cell_px + cell_px / 2, "y": row * cell_px + cell_px / 2}
    )


def lesson_matrix() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.randn(20, 20)


def test_heatmap_scales_cells_up_to_a_sensible_size(plots: Page):
    mount(plots, "heatmap", heatmap_data(snap(lesson_matrix())))
    assert canvas_size(plots) == (360, 360)
    expect(plots.locator(".torchinspect-plot-title")).to_have_text("heatmap of values")
    rendering = plots.eval_on_selector(".torchinspect-heatmap-canvas", "c => getComputedStyle(c).imageRendering")
    assert rendering == "pixelated"


def test_hovering_a_cell_reads_its_index_and_exact_value(plots: Page):
    A = lesson_matrix()
    mount(plots, "heatmap", heatmap_data(snap(A)))
    hover_cell(plots, 3, 7, 18)
    expect(plots.locator(".torchinspect-plot-readout")).to_have_text(f"[3, 7] = {float32(A[3, 7])}")


def test_the_same_bytes_as_a_data_view_read_the_same(plots: Page):
    A = lesson_matrix()
    mount(plots, "heatmap", heatmap_data(snap(A)), dataView=True)
    hover_cell(plots, 19, 0, 18)
    expect(plots.locator(".torchinspect-plot-readout")).to_have_text(f"[19, 0] = {float32(A[19, 0])}")


def test_arrow_keys_move_the_cursor_and_its_read_out(plots: Page):
    A = lesson_matrix()
    mount(plots, "heatmap", heatmap_data(snap(A)))
    readout = plots.locator(".torchinspect-plot-readout")
    plots.focus(".torchinspect-heatmap-canvas")
    expect(readout).to_have_text(f"[0, 0] = {float32(A[0, 0])}")
    for key in ["ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "ArrowUp"]:
        plots.keyboard.press(key)
    expect(readout).to_have_text(f"[0, 1] = {float32(A[0, 1])}")
    cursor = plots.locator(".torchinspect-heatmap-cursor").bounding_box()
    canvas = plots.locator(".torchinspect-heatmap-canvas").bounding_box()
    assert (cursor["x"] - canvas["x"], cursor["y"] - canvas["y"]) == (18 - 2, 0 - 2)


def test_a_downsampled_slice_says_so_and_reads_blocks(plots: Page, screenshot):
    torch.manual_seed(0)
    t = torch.randn(3, 300, 500)
    mount(plots, "heatmap", heatmap_data(snap(t)))
    notes = plots.locator(".torchinspect-plot-note")
    expect(notes).to_have_text(["slice [0, :, :]", "downsampled: each cell is the mean of 3 × 4 elements"])
    assert canvas_size(plots) == (250, 200)
    hover_cell(plots, 1, 2, 2)
    readout = plots.locator(".torchinspect-plot-readout")
    expect(readout).to_have_text(re.compile(r"^\[0, 3:6, 8:12\] mean of block = -?\d"))
    value = float(readout.inner_text().rsplit("= ", 1)[1])
    assert value == pytest.approx(float(t[0, 3:6, 8:12].mean()), abs=1e-6)
    screenshot(plots, "plot-views-downsampled")


def test_a_1d_preview_wraps_into_rows_of_64_cells(plots: Page, screenshot):
    t = torch.arange(100, dtype=torch.float32)
    mount(plots, "heatmap", heatmap_data(snap(t)))
    assert canvas_size(plots) == (320, 10)
    readout = plots.locator(".torchinspect-plot-readout")
    hover_cell(plots, 1, 3, 5)
    expect(readout).to_have_text("[67] = 67")
    screenshot(plots, "plot-views-1d")
    hover_cell(plots, 1, 40, 5)
    expect(readout).to_have_class(re.compile("is-hint"))


def test_legend_names_the_scale_and_the_special_values_present(plots: Page):
    t = torch.tensor([[-2.0, 0.5], [float("nan"), float("inf")]])
    mount(plots, "heatmap", heatmap_data(snap(t)))
    expect(plots.locator(".torchinspect-legend-tick")).to_have_text(["-2", "0", "2"])
    expect(plots.locator(".torchinspect-legend-special")).to_have_text(["+Inf", "NaN"])
    mount(plots, "heatmap", heatmap_data(snap(torch.tensor([[1.0, 3.0]]))))
    expect(plots.locator("[data-view='1'] .torchinspect-legend-tick")).to_have_text(["1", "2", "3"])


def test_two_heatmaps_can_share_one_scale(plots: Page):
    values, grad = snap(torch.tensor([[1.0, -1.0]])), snap(torch.tensor([[0.0, 4.0]]))
    plots.evaluate("([a, b]) => plots.heatmapPair(a, b)", [heatmap_data(values), heatmap_data(grad, "grad")])
    for view in ["0", "1"]:
        expect(plots.locator(f"[data-view='{view}'] .torchinspect-legend-tick")).to_have_text(["-4", "0", "4"])


def test_without_a_preview_the_reason_shows_instead(plots: Page, screenshot):
    mount(plots, "heatmap", heatmap_data(snap(torch.tensor(7))))
    reason = plots.locator(".torchinspect-plot-reason")
    expect(reason).to_have_text("a scalar: one value, shown as it is")
    expect(plots.locator(".torchinspect-heatmap-canvas")).to_be_hidden()
    screenshot(plots, "plot-views-no-preview")


def test_a_damaged_preview_is_refused_in_words(plots: Page):
    s = snap(torch.zeros(2, 3))
    s["preview"]["data"]["base64"] = "AAAAAA=="
    mount(plots, "heatmap", heatmap_data(s))
    reason = plots.locator(".torchinspect-plot-reason.torchinspect-error")
    expect(reason).to_contain_text("a preview of shape [2, 3] needs 24 bytes (6 float32 values), got 4.")

def test_an_update_redraws_in_place_and_keeps_the_cursor(plots: Page):
    A = lesson_matrix()
    view = mount(plots, "heatmap", heatmap_data(snap(A)))
    plots.focus(".torchinspect-heatmap-canvas")
    plots.keyboard.press("ArrowDown")
    before = plots.locator(".torchinspect-plot-readout").bounding_box()
    plots.evaluate("([id, data]) => plots.update(id, data)", [view, heatmap_data(snap(A * 2))])
    expect(plots.locator(".torchinspect-plot-readout")).to_have_text(f"[1, 0] = {float32(A[1, 0] * 2)}")
    assert plots.locator(".torchinspect-plot-readout").bounding_box() == before
    assert plots.evaluate("document.activeElement.className") == "torchinspect-heatmap-canvas"


def test_labels_are_shown_as_text_never_run(plots: Page):
    hostile = '<img src=x onerror="window.pwned = true">'
    mount(plots, "heatmap", heatmap_data(snap(torch.zeros(2, 2)), hostile))
    expect(plots.locator(".torchinspect-plot-title")).to_have_text(f"heatmap of {hostile}")
    expect(plots.locator("#hosts img")).to_have_count(0)
    assert plots.evaluate("window.pwned") is None


# Both


@pytest.mark.parametrize("kind", ["histogram", "heatmap"])
def test_destroy_leaves_the_host_empty(plots: Page, kind: str):
    s = snap(with_specials())
    view = mount(plots, kind, histogram_data(s) if kind == "histogram" else heatmap_data(s))
    plots.focus(".torchinspect-histogram-plot" if kind == "histogram" else ".torchinspect-heatmap-canvas")
    plots.evaluate("id => plots.destroy(id)", view)
    assert plots.eval_on_selector("[data-view='0']", "host => host.childNodes.length") == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_plots_are_legible_in_light_and_dark(plots: Page, scheme: str, screenshot):
    plots.emulate_media(color_scheme=scheme)
    torch.manual_seed(0)
    t = torch.randn(48, 64) + torch.linspace(-2, 2, 64)
    t[5, 7], t[30, 40], t[12, 50] = float("nan"), float("inf"), float("-inf")
    s = snap(t)
    mount(plots, "histogram", histogram_data(s))
    mount(plots, "heatmap", heatmap_data(s))
    hover_cell(plots, 10, 20, 5)
    plots.focus(".torchinspect-histogram-plot")
    for _ in range(30):
        plots.keyboard.press("ArrowRight")
    bin_readout = plots.locator(".torchinspect-histogram .torchinspect-plot-readout")
    expect(bin_readout).to_have_text(re.compile(r"^\[.*\): \d+ values$"))
    for selector in [".torchinspect-plot-readout", ".torchinspect-histogram-tick", ".torchinspect-legend-tick"]:
        assert contrast_ratio(plots, selector) >= 4.5, selector
    assert contrast_ratio(plots, ".torchinspect-plot-title") >= 4.5
    screenshot(plots, f"plot-views-{scheme}")
