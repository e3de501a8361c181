"""A DTensor's snapshot, taken by a real gloo world, drawn by the widget bundle in a plain page.

The snapshots are rank 0's from tests/fixtures/sharded.json, which test_distributed keeps equal
to what its 2- and 4-rank worlds snapshot.
"""

from __future__ import annotations

import json
import pathlib
import sys

import pytest
from playwright.sync_api import Page, expect

from legibility import contrast_ratio
from torchinspect.tensor.snapshot import jsonable, snapshot

SHARDED = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "sharded.json").read_text())


@pytest.fixture
def harness(page: Page, repo_server: str) -> Page:
    page.goto(f"{repo_server}/tests/e2e/harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def mount(page: Page, name: str) -> dict:
    snapshot = SHARDED[name]
    page.evaluate("snapshot => harness.mount(snapshot)", snapshot)
    return snapshot


def test_a_2_rank_shard_shows_its_global_statistics_and_a_band_per_rank(harness: Page, screenshot) -> None:
    snapshot = mount(harness, "shard0_2d")
    expect(harness.locator(".torchinspect-summary")).to_have_text(snapshot["summary"])
    layout = harness.locator(".torchinspect-sharding")
    expect(layout.locator("h3")).to_have_text("layout of [301, 257] over 2 ranks")
    expect(layout.locator(".torchinspect-sharding-caption")).to_have_text(
        "2 ranks on cpu, mesh dp=2, placements [Shard(0)]; statistics of the global tensor"
    )
    tiles = layout.locator(".torchinspect-sharding-tile")
    expect(tiles).to_have_count(2)
    expect(tiles.locator("text")).to_have_text(["rank 0", "rank 1"])
    boxes = [tiles.nth(i).locator("rect").bounding_box() for i in range(2)]
    assert boxes[0] and boxes[1] and boxes[0]["y"] < boxes[1]["y"]  # rank 0 holds the top rows
    fills = tiles.locator("rect").evaluate_all("rects => rects.map(r => getComputedStyle(r).fill)")
    assert fills[0] != fills[1]
    expect(layout.locator("li")).to_have_text(
        ["rank 0 (dp=0): [151, 257] at [0, 0]", "rank 1 (dp=1): [150, 257] at [151, 0]"]
    )
    # The heatmap is of the global tensor; no slicer, since another slice needs every rank.
    expect(harness.locator(".torchinspect-slicer")).to_have_count(0)
    screenshot(harness, "sharding-2-ranks")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_2d_mesh_is_a_grid_of_four_ranks_legible_in_both_themes(harness: Page, scheme: str, screenshot) -> None:
    harness.emulate_media(color_scheme=scheme)
    mount(harness, "mesh2d_shard_shard")
    tiles = harness.locator(".torchinspect-sharding-tile")
    expect(tiles.locator("text")).to_have_text(["rank 0", "rank 1", "rank 2", "rank 3"])
    assert contrast_ratio(harness, ".torchinspect-sharding-ranks li") >= 4.5
    screenshot(harness, f"sharding-mesh-2x2-{scheme}")


def test_replicas_and_partial_addends_name_every_rank_holding_the_block(harness: Page) -> None:
    mount(harness, "mesh2d_replicate_shard")
    tiles = harness.locator(".torchinspect-sharding-tile")
    expect(tiles.locator("title")).to_have_text(
        ["[0:25, 0:9] held by rank 0 (copies 2)", "[25:50, 0:9] held by rank 1 (copies 3)"]
    )
    # [50, 9] is drawn tall and narrow, as it is: the tiles name their ranks alone.
    expect(tiles.locator("text")).to_have_text(["0,2", "1,3"])
    box = harness.locator(".torchinspect-sharding-figure svg").bounding_box()
    assert box is not None and box["height"] - 2 == 4 * (box["width"] - 2)  # inside its 1 px border
    harness.evaluate("snapshot => harness.set(snapshot)", SHARDED["partial_sum"])
    expect(harness.locator(".torchinspect-sharding-tile text")).to_have_text(["partial on 0, 1"])
    expect(harness.locator(".torchinspect-summary")).to_contain_text("DTensor(mesh dp=2 cpu, [Partial(sum)])")


def test_a_plain_tensor_shows_no_layout(harness: Page) -> None:
    snapshot = dict(SHARDED["shard0_2d"])
    del snapshot["sharding"]
    harness.evaluate("snapshot => harness.mount(snapshot)", snapshot)
    expect(harness.locator(".torchinspect-summary")).to_be_visible()
    expect(harness.locator(".torchinspect-sharding")).to_be_hidden()


def test_the_sharded_widget_has_no_live_bar_and_says_how_to_update(harness: Page, screenshot) -> None:
    """ShardedInspector's traits: its page cannot refresh alone, so it offers no Refresh."""
    harness.evaluate(
        "snapshot => harness.mountState({sharded: true, snapshot, graph: {}})", SHARDED["mesh2d_replicate_shard"]
    )
    expect(harness.locator(".torchinspect-sharded-note")).to_have_text(
        "As every rank of the mesh took it together: call inspect(dtensor) on every rank again for a newer picture."
    )
    expect(harness.locator(".torchinspect-livebar")).to_have_count(0)
    expect(harness.locator(".torchinspect-sharding-tile")).to_have_count(2)
    screenshot(harness, "sharding-widget-replicas")


def test_an_fsdp2_parameter_card_shows_its_layout_and_says_what_needs_every_rank(harness: Page, screenshot) -> None:
    """The card rank 0 alone made when the model view's page opened 0.weight of an FSDP2 model."""
    snapshot = mount(harness, "fsdp2_card")
    expect(harness.locator(".torchinspect-summary")).to_have_text(snapshot["summary"])
    layout = harness.locator(".torchinspect-sharding")
    expect(layout.locator("li")).to_have_text(["rank 0 (d0=0): [4, 16] at [0, 0]", "rank 1 (d0=1): [4, 16] at [4, 0]"])
    expect(layout.locator(".torchinspect-sharding-caption")).to_have_text(
        "2 ranks on cpu, mesh d0=2, placements [Shard(0)]; read by rank 0 alone, with no collective"
    )
    expect(layout.locator(".torchinspect-sharding-needs")).to_have_text(snapshot["not_computed"]["statistics"])
    screenshot(harness, "sharding-fsdp2-card")


def test_the_graph_of_a_dtensor_says_each_tensors_placements_in_its_details(open_harness, screenshot) -> None:
    """tanh(weight @ inputs) of DTensors, as rank 0 of a real gloo world of 2 walked it alone."""
    view = open_harness("graph")
    graph = json.loads((pathlib.Path(__file__).parents[1] / "fixtures" / "sharded_graph.json").read_text())
    view.evaluate("graph => graphs.mount(graph)", graph)
    details = view.locator(".torchinspect-graph-details")
    view.locator(".torchinspect-graph-box", has_text="MmBackward0").first.click()
    expect(details).to_contain_text("[4, 3] float32 · 48 B · Replicate() on mesh d0=2 (cpu), this rank [4, 3]")
    view.locator(".torchinspect-graph-box.is-leaf").first.click()
    expect(details.locator("dd")).to_contain_text(["[6, 4]", "Shard(0) on mesh d0=2 (cpu)", "[3, 4]"])
    screenshot(view, "sharding-graph-leaf-details")


def test_the_page_shows_any_rank_own_block_that_rank_sent(harness: Page, screenshot) -> None:
    """ShardedInspector's blocks: each rank's block as its rank snapshot it (here the single-process
    snapshots of the same rows of the same tensor), picked on the page without asking the kernel."""
    sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "python"))
    from sharded_worker import planted

    full = planted((301, 257), 1)  # shard0_2d, whose blocks are rows 0:151 and 151:301
    blocks = [
        jsonable(snapshot(full[rows], name=f"shard0_2d, rank {rank}'s block"))
        for rank, rows in enumerate([slice(0, 151), slice(151, 301)])
    ]
    state = {"sharded": True, "snapshot": SHARDED["shard0_2d"], "graph": {}, "blocks": blocks}
    harness.evaluate("state => harness.mountState(state)", state)
    picker = harness.locator(".torchinspect-block-picker select")
    expect(picker.locator("option")).to_have_text(
        [
            "the global tensor (every rank together)",
            "rank 0's block: [151, 257] at [0, 0]",
            "rank 1's block: [150, 257] at [151, 0]",
        ]
    )
    summary = harness.locator(".torchinspect-summary")
    expect(summary).to_have_text(SHARDED["shard0_2d"]["summary"])
    picker.select_option(index=2)
    expect(summary).to_have_text(blocks[1]["summary"])
    expect(harness.locator(".torchinspect-sharding")).to_be_hidden()  # a block is a plain tensor of this rank's values
    screenshot(harness, "sharding-rank-1-block")
    harness.emulate_media(color_scheme="dark")
    screenshot(harness, "sharding-rank-1-block-dark")
    picker.select_option(index=0)
    expect(summary).to_have_text(SHARDED["shard0_2d"]["summary"])
