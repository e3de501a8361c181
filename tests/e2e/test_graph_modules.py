"""Module groups in the graph view: graphs recorded with record_modules, in a plain page and in JupyterLab."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import nbformat
import pytest
import torch
from playwright.sync_api import Locator, Page, expect
from torch import nn

import graphs
import torchinspect
from test_graph_view import label_contrast
from test_jupyterlab import open_and_run
from torchinspect.graph.snapshot import graph_for_view

BOXES = ".torchinspect-graph-box"
MODULES = ".torchinspect-graph-box.is-module"
FRAMES = ".torchinspect-graph-frame"
LINKS = ".torchinspect-graph-link"
DETAILS = ".torchinspect-graph-details"
STAGE = ".torchinspect-graph-stage"


@pytest.fixture
def view(open_harness) -> Page:
    return open_harness("graph")


def recorded(build) -> dict:
    root, model = build(recorded=True)
    return graph_for_view(root, params=model)


@pytest.fixture(scope="module")
def resnet() -> dict:
    return recorded(graphs.g3)


@pytest.fixture(scope="module")
def encoder() -> dict:
    return recorded(graphs.g4)


def mount(page: Page, snapshot: dict) -> None:
    page.evaluate("graph => graphs.mount(graph)", snapshot)


def module_box(within: Page | Locator, path: str) -> Locator:
    return within.locator(f'{MODULES}[data-id="module:{path}"]')


def frame(within: Page | Locator, path: str) -> Locator:
    return within.locator(f'{FRAMES}[data-path="{path}"]')


def module_paths(snapshot: dict) -> set[str]:
    """Every module a node names, and the modules around it."""
    paths = set()
    for node in snapshot["nodes"]:
        path = node["metadata"].get("module")
        while path:
            paths.add(path)
            path = path.rpartition(".")[0]
    return paths


def click_button(page: Page, label: str) -> None:
    page.get_by_role("button", name=label).click()


@pytest.mark.parametrize("name, build, closed", [
    ("G3", graphs.g3, ["stem.0", "stem.1", "stem.2"] + [f"blocks.{index}" for index in range(9)]),
    ("G4", graphs.g4, [f"layers.{index}" for index in range(6)]),
])  # fmt: skip
def test_a_recorded_model_opens_grouped_by_module(view: Page, name: str, build, closed: list[str], screenshot):
    snapshot = recorded(build)
    mount(view, snapshot)
    expect(view.locator(MODULES)).to_have_count(len(closed))
    assert sorted(view.locator(MODULES).evaluate_all("boxes => boxes.map(box => box.dataset.id.slice(7))")) == sorted(
        closed
    )
    assert view.locator(BOXES).count() <= 60
    expect(view.locator(".torchinspect-graph-status")).to_contain_text(f"for {len(snapshot['nodes']):,} nodes")
    if name == "G4":
        expect(module_box(view, "layers.3")).to_contain_text("TransformerEncoderLayer · 76 nodes")
        expect(frame(view, "layers")).to_contain_text("layers · 453 nodes")
    else:
        expect(module_box(view, "blocks.3")).to_contain_text("_BasicBlock · 18 nodes")
        expect(frame(view, "fc")).to_contain_text("fc · Linear · 4 nodes")  # small enough to show open
    screenshot(view, f"graph-{name.lower()}-grouped")


@pytest.mark.parametrize("name, build", [("G3", graphs.g3), ("G4", graphs.g4)])
def test_expand_all_draws_every_node_and_link_of_the_snapshot(view: Page, name: str, build, screenshot):
    snapshot = recorded(build)
    mount(view, snapshot)
    click_button(view, "open every module")
    expect(view.get_by_role("button", name="open every module")).to_be_disabled()
    # At a readable zoom the page holds what is near the view (culling.ts); fitted, all of it.
    expect(view.locator(FRAMES)).to_have_count(len(module_paths(snapshot)))
    expect(view.locator(BOXES)).not_to_have_count(len(snapshot["nodes"]))
    assert view.locator(BOXES).count() > 0
    screenshot(view, f"graph-{name.lower()}-expanded")
    click_button(view, "fit the graph")
    expect(view.locator(BOXES)).to_have_count(len(snapshot["nodes"]))
    linked_pairs = {(edge["source"], edge["target"]) for edge in snapshot["edges"]}
    expect(view.locator(LINKS)).to_have_count(len(linked_pairs))
    expect(view.locator(MODULES)).to_have_count(0)
    drawn = set(view.locator(BOXES).evaluate_all("boxes => boxes.map(box => box.dataset.id)"))
    assert drawn == {node["id"] for node in snapshot["nodes"]}
    screenshot(view, f"graph-{name.lower()}-expanded-fit")
    click_button(view, "close every module")
    top_modules = {path for path in module_paths(snapshot) if "." not in path}
    top_nodes = [node for node in snapshot["nodes"] if not node["metadata"].get("module")]
    expect(view.locator(BOXES)).to_have_count(len(top_modules) + len(top_nodes))
    expect(view.locator(FRAMES)).to_have_count(0)


def test_seen_from_afar_the_drawing_has_no_words_and_its_export_has_them(view: Page, encoder: dict, screenshot):
    mount(view, encoder)
    click_button(view, "open every module")
    click_button(view, "fit the graph")  # 455 boxes fitted: 12 px titles drawn under 5 px
    titles = view.locator(".torchinspect-graph-box-title")
    expect(titles).to_have_count(455)
    expect(titles.first).to_be_hidden()
    expect(view.locator(".torchinspect-graph-frame-title").first).to_be_hidden()
    screenshot(view, "graph-g4-expanded-fit-wordless")
    with view.expect_download() as download:
        view.get_by_role("button", name="download as SVG").click()
    exported = ElementTree.fromstring(download.value.path().read_text())
    named = [text for text in exported.iter("{http://www.w3.org/2000/svg}text") if text.text == "SafeSoftmaxBackward0"]
    assert len(named) == 6 and all("display:none" not in text.get("style", "").replace(" ", "") for text in named)
    for _ in range(14):  # fitted at 0.02: 1.25¹⁴ = 23× is past 0.4, where the words come back
        click_button(view, "zoom in")
    expect(titles.first).to_be_visible()
    expect(titles.first).not_to_have_text("")


def test_clicking_a_module_opens_it_in_a_frame_and_its_header_closes_it(view: Page, encoder: dict, screenshot):
    mount(view, encoder)
    before = view.locator(BOXES).count()
    click_button(view, "fit the graph")  # opened at a readable zoom, the graph shows its root's part
    module_box(view, "layers.2").click()
    expect(frame(view, "layers.2")).to_be_visible()
    expect(frame(view, "layers.2").locator(".torchinspect-graph-frame-title")).to_have_text(
        "▾ layers.2 · TransformerEncoderLayer · 76 nodes"
    )
    expect(module_box(view, "layers.2")).to_have_count(0)
    expect(module_box(view, "layers.2.self_attn")).to_be_visible()
    expect(view.locator(BOXES)).to_have_count(before - 1 + 11)  # 8 submodules and 3 ops of its own
    # The module's first op is selected: the top of the frame, where its input comes in.
    expect(view.locator(DETAILS).locator(".torchinspect-graph-details-title")).to_have_text("layers.2.self_attn")
    screenshot(view, "graph-g4-layer-open")
    click_button(view, "fit the graph")
    frame(view, "layers.2").locator(".torchinspect-graph-frame-header").click()
    expect(frame(view, "layers.2")).to_have_count(0)
    expect(module_box(view, "layers.2")).to_have_class("torchinspect-graph-box is-module is-selected")
    expect(view.locator(BOXES)).to_have_count(before)


def test_the_keyboard_opens_a_module_with_enter_and_closes_it_with_backspace(view: Page, encoder: dict):
    mount(view, encoder)
    view.get_by_role("searchbox").fill("layers.4")
    expect(module_box(view, "layers.4")).to_have_class("torchinspect-graph-box is-module is-match is-selected")
    view.locator(STAGE).focus()
    view.keyboard.press("Enter")
    expect(frame(view, "layers.4")).to_be_visible()
    selected = view.locator(".torchinspect-graph-box.is-selected")
    expect(selected).to_contain_text("layers.4.self_attn")
    view.keyboard.press("ArrowDown")
    expect(selected).to_contain_text("layers.4.dropout1")
    view.keyboard.press("Backspace")
    expect(frame(view, "layers.4")).to_have_count(0)
    expect(selected).to_have_attribute("data-id", "module:layers.4")


def test_g3_folds_and_unfolds_by_module(view: Page, resnet: dict, screenshot):
    mount(view, resnet)
    click_button(view, "close every module")
    expect(view.locator(MODULES)).to_have_count(3)
    assert view.locator(MODULES).evaluate_all("boxes => boxes.map(box => box.dataset.id)") == [
        "module:fc",
        "module:blocks",
        "module:stem",
    ]
    click_button(view, "fit the graph")  # opened at a readable zoom, the graph shows its root's part
    module_box(view, "blocks").click()
    expect(frame(view, "blocks")).to_be_visible()
    expect(view.locator(f"{FRAMES}[data-path=blocks] ~ *")).to_have_count(0)  # frames come first, under the rest
    expect(view.locator(MODULES)).to_have_count(2 + 9)
    click_button(view, "fit the graph")
    module_box(view, "blocks.3").click()
    for part in ("conv1", "bn1", "conv2", "bn2", "shortcut"):
        expect(module_box(view, f"blocks.3.{part}")).to_be_visible()
    expect(view.locator(BOXES, has_text="AddBackward0")).to_have_count(1)
    screenshot(view, "graph-g3-block-open")
    click_button(view, "fit the graph")  # the header of blocks is above the part shown
    frame(view, "blocks").locator(".torchinspect-graph-frame-header").click()
    expect(view.locator(MODULES)).to_have_count(3)
    module_box(view, "blocks").click()
    expect(frame(view, "blocks.3")).to_be_visible()  # opened again as it was left


class Recurrent(nn.Module):
    """``h = tanh(h * w + 1)`` a hundred times: a chain to fold inside the module."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(8))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        for _ in range(100):
            h = torch.tanh(h * self.w + 1)
        return h


def test_a_chain_inside_a_module_opens_folded_and_closes_into_the_module(view: Page):
    model = nn.Sequential()
    model.add_module("rnn", Recurrent())
    with torchinspect.record_modules(model):
        out = model(torch.randn(8, requires_grad=True)).sum()
    mount(view, graph_for_view(out, params=model))
    # Folded, the module's 301 nodes fit the budget: it opens at first, its chain one box.
    folded = view.locator(".torchinspect-graph-box.is-folded")
    expect(folded).to_contain_text("× 100: tanh ← add ← mul")
    assert frame(view, "rnn").evaluate(
        "(frame, box) => { const f = frame.getBoundingClientRect(), b = box.getBoundingClientRect(); return f.top < b.top && b.bottom < f.bottom; }",
        folded.element_handle(),
    )
    folded.click()
    expect(folded).to_contain_text("× 96: tanh ← add ← mul")
    click_button(view, "close every module")
    expect(module_box(view, "rnn")).to_contain_text("Recurrent · 301 nodes")
    expect(folded).to_have_count(0)


def test_a_hostile_module_name_is_shown_as_text_and_never_run(view: Page, screenshot):
    hostile = "<img src=x onerror=alert(1)>"
    dialogs = []
    view.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    model = nn.Sequential()
    model.add_module(hostile, nn.Linear(3, 3))
    model.add_module("act", nn.Tanh())
    with torchinspect.record_modules(model):
        out = model(torch.randn(2, 3)).sum()
    snapshot = graph_for_view(out, params=model)
    assert {node["metadata"].get("module") for node in snapshot["nodes"]} >= {hostile}
    mount(view, snapshot)
    click_button(view, "close every module")
    box = view.locator(MODULES, has_text=hostile)
    expect(box.locator(".torchinspect-graph-box-title")).to_have_text(hostile)
    box.click()
    expect(view.locator(".torchinspect-graph-frame-title", has_text=hostile)).to_have_text(
        f"▾ {hostile} · Linear · 4 nodes"
    )
    expect(view.locator(BOXES, has_text=f"{hostile}.weight")).to_be_visible()
    view.locator(BOXES, has_text=f"{hostile}.weight").click()
    expect(view.locator(DETAILS)).to_contain_text(hostile)
    screenshot(view, "graph-hostile-module")
    assert view.locator("img").count() == 0
    assert dialogs == []


ENCODER_CELL = """\
import torch, torchinspect
from torch import nn
torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(d_model=32, nhead=2, batch_first=True)
encoder = nn.TransformerEncoder(layer, num_layers=3, enable_nested_tensor=False)
with torchinspect.record_modules(encoder):
    out = encoder(torch.randn(2, 5, 32))
loss = out.sum()
torchinspect.inspect(loss, params=encoder)
"""


def test_in_jupyterlab_a_recorded_encoder_opens_and_closes_by_layer(page: Page, jupyterlab, screenshot):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(ENCODER_CELL)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (jupyterlab.root / "recorded_encoder.ipynb").write_text(json.dumps(notebook))
    open_and_run(page, jupyterlab, "recorded_encoder.ipynb")
    graph = page.locator(".jp-OutputArea-output .torchinspect-graph-section")
    # Three layers are few enough to show open, each with its submodules closed.
    for index in range(3):
        expect(frame(graph, f"layers.{index}")).to_have_count(1)
    expect(module_box(graph, "layers.0.self_attn")).to_contain_text("MultiheadAttention")
    graph.locator(STAGE).scroll_into_view_if_needed()
    # Mounted before the output had a size, the view fits the drawing once it has one.
    stage, layers = graph.locator(STAGE).bounding_box(), frame(graph, "layers").bounding_box()
    assert stage["x"] < layers["x"] and layers["x"] + layers["width"] < stage["x"] + stage["width"]
    screenshot(page, "jupyterlab-graph-modules")
    graph.get_by_role("button", name="fit the graph").click()
    frame(graph, "layers.0").locator(".torchinspect-graph-frame-header").click()
    expect(frame(graph, "layers.0")).to_have_count(0)
    expect(module_box(graph, "layers.0")).to_contain_text("TransformerEncoderLayer")
    module_box(graph, "layers.0.self_attn").wait_for(state="detached")
    module_box(graph, "layers.0").click()
    expect(module_box(graph, "layers.0.self_attn")).to_be_visible()
    assert page.errors.messages == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_module_boxes_and_frames_are_legible(view: Page, encoder: dict, scheme: str, screenshot):
    view.emulate_media(color_scheme=scheme)
    mount(view, encoder)
    module_box(view, "layers.5").click()
    for part in ("title", "subtitle"):
        assert label_contrast(view, "module", part) >= 4.5, part
    screenshot(view, f"graph-g4-modules-{scheme}")
