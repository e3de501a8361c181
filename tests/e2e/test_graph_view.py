"""The autograd graph view in a plain page, fed real graph snapshots made by Python."""

from __future__ import annotations

import json
import pathlib

import pytest
import torch
from playwright.sync_api import Page, expect

import graphs
from torchinspect.graph.snapshot import graph_for_view

BOXES = ".torchinspect-graph-box"
FOLDED = ".torchinspect-graph-box.is-folded"
DETAILS = ".torchinspect-graph-details"
CONTENT = ".torchinspect-graph-content"


@pytest.fixture
def view(open_harness) -> Page:
    return open_harness("graph")


def snapshot_of(build) -> dict:
    root, params = build()
    return graph_for_view(root, params=params)


@pytest.fixture(scope="session")
def lesson() -> dict:
    return snapshot_of(graphs.g1)


@pytest.fixture(scope="session")
def ten_nodes() -> dict:
    """A two-layer network's loss: 10 nodes, the mid-size graph a lesson opens."""
    torch.manual_seed(0)
    x = torch.randn(16, 4)
    w1, b1, w2 = (
        torch.randn(4, 8, requires_grad=True),
        torch.zeros(8, requires_grad=True),
        torch.randn(8, 1, requires_grad=True),
    )
    residual = torch.tanh(x @ w1 + b1) @ w2
    snapshot = graph_for_view((residual**2).mean(), params={"w1": w1, "b1": b1, "w2": w2})
    assert len(snapshot["nodes"]) == 10
    return snapshot


@pytest.fixture(scope="session")
def deep_chain() -> dict:
    return snapshot_of(lambda: graphs.g5(2_000))


@pytest.fixture(scope="session")
def wide_fan() -> dict:
    return snapshot_of(graphs.g6)


def mount(page: Page, snapshot: dict) -> None:
    page.evaluate("graph => graphs.mount(graph)", snapshot)


def box(page: Page, text: str):
    return page.locator(BOXES, has_text=text).first


def content_transform(page: Page) -> str:
    return page.locator(CONTENT).get_attribute("transform")


# What is drawn


def test_the_lesson_draws_one_box_per_node_with_op_and_forward_op(view: Page, lesson: dict, screenshot):
    mount(view, lesson)
    expect(view.locator(BOXES)).to_have_count(len(lesson["nodes"]))
    mul = box(view, "MulBackward0")
    expect(mul.locator(".torchinspect-graph-box-subtitle")).to_have_text("mul")
    expect(box(view, "x").locator(".torchinspect-graph-box-subtitle")).to_have_text("[20]")
    expect(box(view, "output").locator(".torchinspect-graph-box-subtitle")).to_have_text("[]")
    expect(view.locator(".torchinspect-graph-link")).to_have_count(len(lesson["edges"]))
    expect(view.locator(".torchinspect-graph-link-label", has_text="[20]").first).to_be_visible()
    expect(view.locator(".torchinspect-graph-status")).to_have_text(
        "5 boxes for 5 nodes · click a box, or focus the graph and use the arrow keys, for what it holds"
    )
    screenshot(view, "graph-lesson-light")


def test_inputs_are_drawn_above_the_root_until_flipped(view: Page, lesson: dict):
    mount(view, lesson)
    top = lambda text: box(view, text).bounding_box()["y"]  # noqa: E731
    assert top("x") < top("MulBackward0") < top("output")
    flip = view.get_by_role("button", name="flip direction")
    flip.click()
    expect(flip).to_have_attribute("aria-pressed", "true")
    assert top("x") > top("MulBackward0") > top("output")


@pytest.mark.parametrize("name, build", [("G3", graphs.g3), ("G4", graphs.g4)])
def test_models_of_hundreds_of_nodes_open_by_inferred_module_and_expand_to_every_node(
    view: Page, name: str, build, screenshot
):
    snapshot = snapshot_of(build)  # not recorded: the model only names its parameters
    mount(view, snapshot)
    assert view.locator(BOXES).count() <= 60
    first = "layers.0" if name == "G4" else "blocks.0"
    expect(view.locator(f'{BOXES}[data-id="module:{first}"]')).to_contain_text("inferred")
    screenshot(view, f"graph-{name.lower()}-inferred")
    view.get_by_role("button", name="open every module").click()
    view.get_by_role("button", name="fit the graph").click()  # the page holds only what is near the view
    expect(view.locator(BOXES)).to_have_count(len(snapshot["nodes"]))
    expect(box(view, "NativeLayerNormBackward0" if name == "G4" else "ConvolutionBackward0")).to_be_attached()


def test_a_deep_chain_folds_into_one_box_with_its_count(view: Page, deep_chain: dict, screenshot):
    mount(view, deep_chain)
    expect(view.locator(FOLDED)).to_have_count(1)
    expect(view.locator(FOLDED)).to_contain_text("× 2,000: tanh ← add ← mul")
    assert view.locator(BOXES).count() <= 300
    screenshot(view, "graph-deep-chain-folded")


def test_clicking_a_folded_box_opens_its_ends_and_keeps_the_middle_folded(view: Page, deep_chain: dict, screenshot):
    mount(view, deep_chain)
    before = view.locator(BOXES).count()
    view.locator(FOLDED).click()
    expect(view.locator(BOXES)).to_have_count(before + 12)
    expect(view.locator(FOLDED)).to_contain_text("× 1,996: tanh ← add ← mul")
    expect(view.locator(DETAILS)).to_contain_text("MulBackward0")
    screenshot(view, "graph-deep-chain-opened")


def test_a_wide_fan_folds_into_one_box_and_enter_opens_it(view: Page, wide_fan: dict, screenshot):
    mount(view, wide_fan)
    expect(view.locator(FOLDED)).to_contain_text("× 5,000: sum ← sin ← leaf")
    assert view.locator(BOXES).count() <= 300
    screenshot(view, "graph-wide-fan-folded")
    view.locator(FOLDED).click()
    expect(view.locator(FOLDED)).to_contain_text("× 4,996")
    expect(box(view, "l0")).to_be_visible()


# Selecting and the details panel


def test_clicking_an_op_shows_what_it_saved(view: Page, lesson: dict, screenshot):
    mount(view, lesson)
    box(view, "DotBackward0").click()
    details = view.locator(DETAILS)
    expect(details.locator(".torchinspect-graph-details-title")).to_have_text("DotBackward0")
    expect(details).to_contain_text("Saved tensors")
    expect(details).to_contain_text("[20] float32 · 80 B (the tensor of n2)")
    expect(details).to_contain_text("forward op")
    expect(box(view, "DotBackward0")).to_have_class("torchinspect-graph-box is-op is-selected")
    assert view.evaluate("graphs.selections") == ["n1"]
    screenshot(view, "graph-lesson-details")


def test_a_leaf_shows_its_tensor_metadata_and_a_freed_saved_tensor_says_so(view: Page):
    x = torch.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    mount(view, graph_for_view(y, params={"x": x}))
    box(view, "x").click()
    details = view.locator(DETAILS)
    expect(details).to_contain_text("requires_grad")
    expect(details).to_contain_text("[3] float32")
    box(view, "MulBackward0").click()
    expect(details).to_contain_text("freed by backward()")


def test_search_highlights_matches_centres_the_first_and_enter_cycles(view: Page, lesson: dict):
    mount(view, lesson)
    search = view.get_by_role("searchbox")
    search.fill("backward")
    expect(view.locator(".torchinspect-graph-box.is-match")).to_have_count(3)
    expect(view.locator(".torchinspect-graph-matches")).to_have_text("1 of 3")
    first = view.evaluate("graphs.selections.at(-1)")
    search.press("Enter")
    expect(view.locator(".torchinspect-graph-matches")).to_have_text("2 of 3")
    assert view.evaluate("graphs.selections.at(-1)") != first
    search.fill("nothing like it")
    expect(view.locator(".torchinspect-graph-matches")).to_have_text("no match")


def test_arrow_keys_walk_the_edges_and_escape_clears(view: Page, lesson: dict):
    mount(view, lesson)
    view.locator(".torchinspect-graph-stage").focus()
    selected = view.locator(".torchinspect-graph-box.is-selected")
    view.keyboard.press("ArrowDown")
    expect(selected).to_contain_text("output")
    view.keyboard.press("ArrowUp")
    expect(selected).to_contain_text("MulBackward0")
    view.keyboard.press("ArrowUp")
    expect(selected).to_contain_text("DotBackward0")
    view.keyboard.press("ArrowDown")
    expect(selected).to_contain_text("MulBackward0")
    view.keyboard.press("Escape")
    expect(selected).to_have_count(0)


# JupyterLab's output area floats every dt at 20% and every dd at 80% of a description list.
JUPYTERLAB_LIST_RULES = """
.jp-OutputArea-output dl, .jp-OutputArea-output dt, .jp-OutputArea-output dd { display: block; }
.jp-OutputArea-output dl { width: 100%; overflow: hidden; padding: 0; margin: 0; }
.jp-OutputArea-output dt { font-weight: bold; float: left; width: 20%; padding: 0; margin: 0; }
.jp-OutputArea-output dd { float: left; width: 80%; padding: 0; margin: 0; }
"""


def field_overlaps(page: Page) -> list[str]:
    """Pairs of the details panel's labels and values whose boxes overlap on screen."""
    return page.evaluate(
        """() => {
            const cells = [...document.querySelectorAll('.torchinspect-graph-details dt, .torchinspect-graph-details dd')];
            const boxes = cells.map(cell => [cell.textContent, cell.getBoundingClientRect()]);
            const overlaps = [];
            boxes.forEach(([a, r], i) => boxes.slice(i + 1).forEach(([b, q]) => {
                const x = Math.min(r.right, q.right) - Math.max(r.left, q.left);
                const y = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
                if (x > 0.5 && y > 0.5) overlaps.push(`${a} / ${b}`);
            }));
            const pane = document.querySelector('.torchinspect-graph-details').getBoundingClientRect();
            for (const [text, r] of boxes) if (r.right > pane.right + 0.5) overlaps.push(`${text} spills out`);
            return overlaps;
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_details_labels_and_values_never_overlap_even_under_jupyterlab_rules(view: Page, scheme: str, screenshot):
    view.emulate_media(color_scheme=scheme)
    view.add_style_tag(content=JUPYTERLAB_LIST_RULES)
    view.evaluate("document.getElementById('hosts').classList.add('jp-OutputArea-output')")
    x = torch.randn(3, requires_grad=True)
    mount(view, graph_for_view(torch.nn.functional.softmax(x * 2, dim=-1).sum(), params={"x": x}))
    for text in ("x", "MulBackward0", "SoftmaxBackward0"):
        box(view, text).click()
        expect(view.locator(DETAILS)).to_be_visible()
        assert view.locator(f"{DETAILS} dt").count() > 4
        assert field_overlaps(view) == [], text
    for width in (360, 260):  # a narrow notebook squeezes the panel: its fields wrap instead
        view.evaluate(f"document.querySelector('#hosts > .torchinspect').style.width = '{width}px'")
        assert field_overlaps(view) == [], width
    view.evaluate("document.querySelector('#hosts > .torchinspect').style.width = ''")
    screenshot(view, f"graph-details-{scheme}")


def test_a_leaf_after_backward_shows_its_grad_and_the_pane_follows_the_player(view: Page):
    case = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "gradients.json").read_text())
    view.evaluate("([graph, gradients]) => graphs.mount(graph, gradients)", [case["graph"], case["gradients"]])
    box(view, "x").click()
    grad = view.locator(DETAILS).get_by_text("grad", exact=True).locator("xpath=following-sibling::dd[1]")
    expect(grad).to_have_text("[20] float32")
    view.get_by_role("button", name="first step").click()
    for _ in range(3):
        view.get_by_role("button", name="next step").click()
        highlighted = view.locator(".torchinspect-graph-box.is-selected, .torchinspect-graph-box.is-current")
        expect(highlighted).to_have_count(1)
        current = view.locator(".torchinspect-graph-box.is-current .torchinspect-graph-box-title").text_content()
        expect(view.locator(".torchinspect-graph-details-title")).to_have_text(current)


# Moving around


def test_zoom_buttons_wheel_and_drag_change_only_the_transform(view: Page, lesson: dict):
    mount(view, lesson)
    before = content_transform(view)
    frames = view.locator(".torchinspect-graph-box-frame").evaluate_all("rects => rects.map(r => r.outerHTML)")
    view.get_by_role("button", name="zoom in").click()
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", before)
    zoomed = content_transform(view)
    stage = view.locator(".torchinspect-graph-stage").bounding_box()
    view.mouse.move(stage["x"] + 40, stage["y"] + 40)
    view.keyboard.down("Control")
    view.mouse.wheel(0, 200)
    view.keyboard.up("Control")
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", zoomed)
    wheeled = content_transform(view)
    view.mouse.down()
    view.mouse.move(stage["x"] + 140, stage["y"] + 90, steps=5)
    view.mouse.up()
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", wheeled)
    view.get_by_role("button", name="fit the graph").click()
    expect(view.locator(CONTENT)).to_have_attribute("transform", before)
    after = view.locator(".torchinspect-graph-box-frame").evaluate_all("rects => rects.map(r => r.outerHTML)")
    assert after == frames


# Exports


def test_json_export_gives_back_the_snapshot(view: Page, lesson: dict):
    mount(view, lesson)
    with view.expect_download() as download:
        view.get_by_role("button", name="download the graph snapshot as JSON").click()
    assert json.loads(download.value.path().read_text()) == json.loads(json.dumps(lesson))


def test_svg_export_stands_alone_and_png_export_is_a_png(view: Page, lesson: dict):
    mount(view, lesson)
    with view.expect_download() as download:
        view.get_by_role("button", name="download as SVG").click()
    svg = download.value.path().read_text()
    assert svg.startswith("<svg") and "MulBackward0" in svg
    assert "var(--" not in svg and "fill:rgb" in svg.replace(" ", "")
    with view.expect_download() as download:
        view.get_by_role("button", name="download as PNG").click()
    assert download.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Safety and errors


def test_a_hostile_name_is_shown_as_text_and_never_run(view: Page, screenshot):
    hostile = "<img src=x onerror=window.pwned=1>"
    w = torch.randn(4, requires_grad=True)
    mount(view, graph_for_view((w * 2).sum(), params={hostile: w}))
    expect(box(view, hostile)).to_be_visible()
    box(view, hostile).click()
    expect(view.locator(DETAILS)).to_contain_text(hostile)
    view.get_by_role("searchbox").fill(hostile)
    expect(view.locator(".torchinspect-graph-box.is-match")).to_have_count(1)
    assert view.locator("img").count() == 0
    assert view.evaluate("window.pwned") is None
    screenshot(view, "graph-hostile-name")


def test_another_schema_is_refused_in_words(view: Page):
    view.evaluate("graphs.mount({schema: 'torchinspect.graph/0', nodes: [], edges: [], roots: []})")
    expect(view.locator(".torchinspect-graph-error")).to_contain_text('got "torchinspect.graph/0"')


# Legibility


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_box_labels_are_legible_on_their_boxes(view: Page, lesson: dict, scheme: str, screenshot):
    view.emulate_media(color_scheme=scheme)
    mount(view, lesson)
    for kind in ("op", "leaf", "tensor"):
        for part in ("title", "subtitle"):
            assert label_contrast(view, kind, part) >= 4.5, (kind, part)
    screenshot(view, f"graph-lesson-{scheme}")


def label_contrast(page: Page, kind: str, part: str) -> float:
    """WCAG contrast of a box's label against the box's own fill."""
    return page.evaluate(
        """([kind, part]) => {
            const rgb = colour => {
                const values = colour.match(/[\\d.]+/g).map(Number);
                const srgb = colour.startsWith('color(') ? values.slice(0, 3).map(v => v * 255) : values.slice(0, 3);
                return srgb.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            };
            const luminance = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
            const box = document.querySelector(`.torchinspect-graph-box.is-${kind}`);
            const text = luminance(rgb(getComputedStyle(box.querySelector(`.torchinspect-graph-box-${part}`)).fill));
            const fill = luminance(rgb(getComputedStyle(box.querySelector('.torchinspect-graph-box-frame')).fill));
            const [light, dark] = [text, fill].sort((a, b) => b - a);
            return (light + 0.05) / (dark + 0.05);
        }""",
        [kind, part],
    )


# Resizing, the wheel and a readable opening


def stage_box(page: Page) -> dict:
    return page.locator(".torchinspect-graph-stage").bounding_box()


def boxes_inside_stage(page: Page) -> bool:
    stage = stage_box(page)
    for placed in page.locator(".torchinspect-graph-box-frame").all():
        b = placed.bounding_box()
        if b["x"] < stage["x"] - 1 or b["x"] + b["width"] > stage["x"] + stage["width"] + 1:
            return False
        if b["y"] < stage["y"] - 1 or b["y"] + b["height"] > stage["y"] + stage["height"] + 1:
            return False
    return True


def test_the_graph_is_fitted_again_when_its_container_narrows_until_the_user_zooms(
    view: Page, lesson: dict, screenshot
):
    mount(view, lesson)
    host = "document.querySelector('#hosts > .torchinspect')"
    view.evaluate(f"{host}.style.width = '900px'")
    view.wait_for_timeout(100)
    assert boxes_inside_stage(view)
    wide = content_transform(view)
    view.evaluate(f"{host}.style.width = '240px'")  # a side panel opens beside the notebook
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", wide)
    view.wait_for_timeout(100)
    assert boxes_inside_stage(view)
    screenshot(view, "graph-refitted-narrow")
    view.get_by_role("button", name="zoom in").click()
    view.wait_for_timeout(100)
    zoomed = scale_of(content_transform(view))
    view.evaluate(f"{host}.style.width = '900px'")
    view.wait_for_timeout(100)
    assert scale_of(content_transform(view)) == zoomed


def test_a_graph_larger_than_its_stage_keeps_its_root_in_view_when_narrowed(view: Page, ten_nodes: dict):
    mount(view, ten_nodes)
    view.evaluate("document.querySelector('#hosts > .torchinspect').style.width = '420px'")
    view.wait_for_timeout(100)
    stage, root = stage_box(view), box(view, "output").bounding_box()
    assert stage["x"] <= root["x"] and root["x"] + root["width"] <= stage["x"] + stage["width"]
    assert stage["y"] <= root["y"] and root["y"] + root["height"] <= stage["y"] + stage["height"]


def scale_of(transform: str) -> float:
    return float(transform.split("scale(")[1].rstrip(")"))


def test_a_plain_wheel_scrolls_the_page_and_says_how_to_zoom(view: Page, ten_nodes: dict, screenshot):
    view.evaluate("document.body.style.paddingBottom = '2000px'")
    mount(view, ten_nodes)
    before = content_transform(view)
    stage = stage_box(view)
    view.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + 60)
    view.mouse.wheel(0, 300)
    view.wait_for_function("window.scrollY > 0")
    expect(view.locator(".torchinspect-graph-wheel-hint")).to_be_visible()
    expect(view.locator(".torchinspect-graph-wheel-hint")).to_contain_text("+ scroll to zoom")
    assert content_transform(view) == before
    screenshot(view, "graph-wheel-hint")


def test_ctrl_wheel_or_a_focused_graph_zooms_without_scrolling(view: Page, ten_nodes: dict):
    view.evaluate("document.body.style.paddingBottom = '2000px'")
    mount(view, ten_nodes)
    before = content_transform(view)
    stage = stage_box(view)
    view.mouse.move(stage["x"] + stage["width"] / 2, stage["y"] + 60)
    view.keyboard.down("Control")  # a trackpad's pinch arrives as a wheel with ctrlKey
    view.mouse.wheel(0, -200)
    view.keyboard.up("Control")
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", before)
    assert view.evaluate("window.scrollY") == 0
    zoomed = content_transform(view)
    view.locator(".torchinspect-graph-stage").click(position={"x": 5, "y": 5})
    view.mouse.wheel(0, 200)
    expect(view.locator(CONTENT)).not_to_have_attribute("transform", zoomed)
    assert view.evaluate("window.scrollY") == 0
    expect(view.locator(".torchinspect-graph-wheel-hint")).to_be_hidden()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_ten_node_graph_opens_readable_with_its_root_in_view_and_every_edge_shaped(
    view: Page, ten_nodes: dict, scheme: str, screenshot
):
    view.emulate_media(color_scheme=scheme)
    view.set_viewport_size({"width": 760, "height": 800})
    mount(view, ten_nodes)
    view.wait_for_timeout(100)
    smallest = view.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.torchinspect-graph-box-title')].map(
            text => parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a))"""
    )
    assert smallest >= 11, smallest
    stage = stage_box(view)
    root = box(view, "output").bounding_box()
    assert stage["y"] <= root["y"] and root["y"] + root["height"] <= stage["y"] + stage["height"]
    assert stage["x"] <= root["x"] and root["x"] + root["width"] <= stage["x"] + stage["width"]
    # Nothing selected: the details panel takes no width.
    expect(view.locator(DETAILS)).to_be_hidden()
    body = view.locator(".torchinspect-graph-body").bounding_box()
    assert stage["width"] >= body["width"] - 2
    links = view.locator(".torchinspect-graph-link").count()
    labels = view.locator(".torchinspect-graph-link-label").all_text_contents()
    assert len(labels) == links and all(label.startswith("[") for label in labels), labels
    screenshot(view, f"graph-ten-nodes-{scheme}")
