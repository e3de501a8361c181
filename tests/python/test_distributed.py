"""DTensors inspected across processes: real gloo worlds of 2 and 4 ranks on the CPU.

Each world is launched once per session (``sharded_worker.py`` on every rank) and does many
checks: every DTensor's snapshot, taken by all its ranks together, against the single-process
snapshot of the same full tensor (rebuilt from its seed on every rank), the layout against
torch's own ``compute_local_shape_and_global_offset``, and the bad calls' errors.
"""

from __future__ import annotations

import base64
import json
import math
import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest
import torch

WORKER = pathlib.Path(__file__).with_name("sharded_worker.py")
PY_SRC = pathlib.Path(__file__).parents[2] / "py_src"
SCHEMA = json.loads((PY_SRC / "torchinspect" / "schema" / "tensor-1.json").read_text())


def launch(world: int, out: pathlib.Path) -> tuple[list[dict[str, Any]], str]:
    """Run the worker on ``world`` ranks under torchrun; every rank must finish (in bounded time).

    Returns each rank's results and what the ranks printed.
    """
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PY_SRC), environment.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={world}"]
    run = subprocess.run(
        [*command, str(WORKER), str(world), str(out)], env=environment, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return [json.loads((out / f"rank{rank}.json").read_text()) for rank in range(world)], run.stdout


@pytest.fixture(scope="module")
def launched2(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], str]:
    return launch(2, tmp_path_factory.mktemp("world2"))


@pytest.fixture(scope="module")
def world2(launched2: tuple[list[dict[str, Any]], str]) -> list[dict[str, Any]]:
    return launched2[0]


@pytest.fixture(scope="module")
def world4(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return launch(4, tmp_path_factory.mktemp("world4"))[0]


def floats(data: dict[str, str]) -> torch.Tensor:
    return torch.frombuffer(bytearray(base64.b64decode(data["base64"])), dtype=torch.float32)


def assert_same_contents(sharded: dict[str, Any], oracle: dict[str, Any]) -> None:
    """Counts, extremes, histogram and the preview's envelope exactly; mean and std to rounding."""
    stats, expected = sharded["statistics"], oracle["statistics"]
    for key in ("of", "count", "finite", "min", "max", "nan", "posinf", "neginf", "zeros"):
        assert stats[key] == expected[key], key
        assert type(stats[key]) is type(expected[key]), key
    for key in ("mean", "std"):
        assert (stats[key] is None) == (expected[key] is None)
        if expected[key] is not None:
            scale = max(abs(expected["min"]), abs(expected["max"]))
            assert math.isclose(stats[key], expected[key], rel_tol=1e-6, abs_tol=1e-7 * scale), key
    assert sharded["histogram"] == oracle["histogram"]
    preview, expected_preview = sharded["preview"], oracle["preview"]
    assert (preview is None) == (expected_preview is None)
    assert sharded["not_computed"] == oracle["not_computed"]
    if preview is None:
        return
    for key in ("of", "axes", "index", "shape", "block", "dtype"):
        assert preview[key] == expected_preview[key], key
    torch.testing.assert_close(
        floats(preview["data"]), floats(expected_preview["data"]), equal_nan=True, rtol=1e-5, atol=1e-5
    )
    for key in ("lo", "hi"):
        assert (key in preview) == (key in expected_preview)
        if key in preview:
            assert torch.equal(floats(preview[key]).nan_to_num(7.0), floats(expected_preview[key]).nan_to_num(7.0))


def own_block(snapshot: dict[str, Any], rank: int) -> dict[str, Any]:
    return next(block for block in snapshot["sharding"]["blocks"] if block["rank"] == rank)


@pytest.mark.parametrize("world", ["world2", "world4"])
def test_every_rank_gets_the_global_statistics_of_the_full_tensor(world: str, request: pytest.FixtureRequest) -> None:
    ranks = request.getfixturevalue(world)
    for rank, results in enumerate(ranks):
        for name, case in results["cases"].items():
            snapshot = case["snapshot"]
            assert_same_contents(snapshot, case["oracle"])
            for key in ("shape", "dtype", "numel", "nbytes", "name"):
                assert snapshot[key] == case["oracle"][key], (name, key)
            assert snapshot["type"] == "torch.distributed.tensor.DTensor"
            assert snapshot["sharding"]["rank"] == rank
            # Every rank reduced to the same figures: the snapshot is the same data wherever it is read.
            assert snapshot["statistics"] == ranks[0]["cases"][name]["snapshot"]["statistics"]


@pytest.mark.parametrize("world", ["world2", "world4"])
def test_each_rank_block_is_where_torch_puts_it(world: str, request: pytest.FixtureRequest) -> None:
    for rank, results in enumerate(request.getfixturevalue(world)):
        for name, case in results["cases"].items():
            block = own_block(case["snapshot"], rank)
            assert [block["shape"], block["offset"]] == case["torch_local"], name


def test_a_1d_mesh_says_its_placements_and_counts_replicas_once(world2: list[dict[str, Any]]) -> None:
    cases = world2[0]["cases"]
    assert cases["shard0_2d"]["summary"].startswith(
        "tensor[301, 257] float32 cpu DTensor(mesh dp=2 cpu, [Shard(0)]) ∈["
    )
    sharding = cases["replicate"]["snapshot"]["sharding"]
    assert sharding["mesh"] == {"shape": [2], "dim_names": ["dp"], "device_type": "cpu", "ranks": [0, 1]}
    assert sharding["placements"] == [{"kind": "replicate"}]
    assert [block["role"] for block in sharding["blocks"]] == ["shard", "replica"]
    assert cases["replicate"]["snapshot"]["statistics"]["count"] == 40 * 30
    # The uneven split of torch.chunk: 7 columns over 2 ranks are 4 and 3.
    blocks = cases["shard1_uneven"]["snapshot"]["sharding"]["blocks"]
    assert [(b["shape"], b["offset"]) for b in blocks] == [([5, 4], [0, 0]), ([5, 3], [0, 4])]
    # Two all_reduce calls per snapshot; a 1-D line's envelope one more; Partial one check more.
    assert cases["shard0_2d"]["snapshot"]["sharding"]["collectives"] == 2
    assert cases["line_envelope"]["snapshot"]["sharding"]["collectives"] == 3
    assert cases["partial_sum"]["snapshot"]["sharding"]["collectives"] == 3


def test_partial_placements_are_reduced_as_torch_defines_them(world2: list[dict[str, Any]]) -> None:
    cases = world2[1]["cases"]
    for op in ("sum", "avg", "max"):
        snapshot = cases[f"partial_{op}"]["snapshot"]
        assert snapshot["sharding"]["placements"] == [{"kind": "partial", "reduce_op": op}]
        assert {block["role"] for block in snapshot["sharding"]["blocks"]} == {"partial"}
        assert f"[Partial({op})])" in snapshot["summary"]


def test_a_2d_mesh_reduces_over_both_dimensions(world4: list[dict[str, Any]]) -> None:
    cases = world4[3]["cases"]
    sharding = cases["mesh2d_shard_shard"]["snapshot"]["sharding"]
    assert sharding["mesh"]["shape"] == [2, 2] and sharding["mesh"]["dim_names"] == ["dp", "tp"]
    assert [block["coordinate"] for block in sharding["blocks"]] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    roles = [block["role"] for block in cases["mesh2d_replicate_shard"]["snapshot"]["sharding"]["blocks"]]
    assert roles == ["shard", "shard", "replica", "replica"]
    assert "[Shard(1), Partial(sum)]" in cases["mesh2d_shard_partial"]["summary"]


def test_the_widget_shows_on_the_named_rank_alone_with_bounded_state(world2: list[dict[str, Any]]) -> None:
    assert world2[0]["inspect"]["widget"] is None
    shown = world2[1]["inspect"]
    assert shown["widget"] == "ShardedInspector" and shown["sharded"] is True
    assert shown["state"]["preview"]["shape"] == [2000 // 16, 1000 // 8]  # at most PREVIEW_SIDE a side
    assert shown["bytes"] < 200_000  # 2,000,000 elements; the state grows with the preview, not the tensor
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(shown["state"], SCHEMA)


def test_the_shown_rank_holds_each_rank_block_as_that_rank_measured_it(world2: list[dict[str, Any]]) -> None:
    """The page of rank 1's widget can show any rank's own block: each rank snapshot its block at
    the inspect call and one gather brought them; their figures are torch's on that rank's block."""
    shown = world2[1]["inspect"]
    assert len(shown["blocks"]) == 2
    for rank, block in enumerate(shown["blocks"]):
        own = world2[rank]["inspect"]["own_block"]
        assert block["name"] == f"w, rank {rank}'s block"
        assert block["shape"] == own["shape"] == [1000, 1000]
        stats = block["statistics"]
        assert (stats["nan"], stats["min"], stats["max"]) == (own["nan"], own["min"], own["max"])
        assert "sharding" not in block or block["sharding"] is None  # a plain tensor: this rank's values
    assert max(shown["block_bytes"]) < 200_000  # each bounded as a snapshot is
    jsonschema = pytest.importorskip("jsonschema")
    for block in shown["blocks"]:
        jsonschema.validate(block, SCHEMA)


def test_a_script_under_torchrun_prints_the_summary_once(launched2: tuple[list[dict[str, Any]], str]) -> None:
    lines = [line for line in launched2[1].splitlines() if line.startswith("tensor[")]
    assert len(lines) == 1
    assert lines[0].startswith("tensor[2000, 1000] float32 cpu DTensor(mesh d0=2 cpu, [Shard(0)]) ∈[")


def test_a_sharded_parameter_shows_its_sharded_grad_and_its_graph(world2: list[dict[str, Any]]) -> None:
    for rank, results in enumerate(world2):
        autograd = results["autograd"]
        snapshot = autograd["snapshot"]
        assert snapshot["summary"].endswith("requires_grad leaf grad=tensor[6, 4]")
        assert snapshot["grad"]["sharding"]["placements"] == [{"kind": "shard", "dim": 0}]
        assert_same_contents(snapshot["grad"], autograd["oracle_grad"])
        # The graph is drawn on the rank that shows the widget, from its own autograd nodes.
        expected = ["AccumulateGrad", "MmBackward0", "TanhBackward0", "tensor"] if rank == 0 else None
        assert autograd["graph_ops"] == expected
    assert "application/vnd.torchinspect.tensor+json" in world2[1]["inspect"]["bundle"]


GRAPH_FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "sharded_graph.json"


def test_the_graph_of_a_dtensor_says_the_placements_of_its_leaves_roots_and_saved_tensors(
    world2: list[dict[str, Any]],
) -> None:
    """Rank 0 walked the graph of tanh(weight @ inputs) alone (rank 1 went on): each DTensor in it
    carries its mesh and placements, read locally, beside its global shape."""
    autograd = world2[0]["autograd"]
    graph, local = autograd["graph"], autograd["torch_local_shapes"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(graph, json.loads((PY_SRC / "torchinspect" / "schema" / "graph-1.json").read_text()))
    node = {entry["op"] or entry["kind"]: entry for entry in graph["nodes"]}
    mesh = {"shape": [2], "dim_names": None, "device_type": "cpu"}
    shard0 = [{"kind": "shard", "dim": 0}]
    weight, root = node["AccumulateGrad"]["tensor"], node["tensor"]["tensor"]
    assert (weight["shape"], weight["sharding"]) == (
        [6, 4],
        {"mesh": mesh, "placements": shard0, "local_shape": local["weight"]},
    )
    assert (root["shape"], root["sharding"]) == (
        [6, 3],
        {"mesh": mesh, "placements": shard0, "local_shape": local["result"]},
    )
    inputs = node["MmBackward0"]["saved_tensors"]["mat2"]
    assert inputs["shape"] == [4, 3]
    assert inputs["sharding"] == {"mesh": mesh, "placements": [{"kind": "replicate"}], "local_shape": local["inputs"]}
    assert node["TanhBackward0"]["saved_tensors"]["result"]["sharding"] == root["sharding"]
    # tests/fixtures/sharded_graph.json (the graph view's vitest) is this graph, without what the views add.
    made = {key: graph[key] for key in ("schema", "roots", "nodes", "edges", "held")}
    if os.environ.get("TORCHINSPECT_WRITE_FIXTURES") == "1":
        GRAPH_FIXTURE.write_text(json.dumps(made, indent=1) + "\n")
    assert layouts(json.loads(GRAPH_FIXTURE.read_text())) == layouts(made)


def test_a_long_graph_and_name_are_sent_bounded_as_inspect_sends_them(world2: list[dict[str, Any]]) -> None:
    """300 steps of tanh(h * 2 + 1) on a DTensor (900 nodes, ~370 KB whole) named by 100,000
    characters: the widget holds the first payload (repeats' units elided, with their count) and
    the name shortened, as inspect(t, name=...) of a plain tensor does."""
    assert world2[1]["bounded"] == {"widget": None}
    bounded = world2[0]["bounded"]
    assert bounded["whole_graph_bytes"] > 256 * 1024 >= bounded["graph_bytes"]
    (steps,) = bounded["graph"]["folding"]["repeats"]
    assert steps["count"] == 300 and [run["units"] for run in steps["elided"]] == [[1, 299]]
    assert len(bounded["graph"]["nodes"]) + sum(run["nodes"] for run in steps["elided"]) == 902
    assert len(bounded["snapshot"]["name"]) <= 200 and bounded["snapshot"]["name"].startswith("nnn")
    assert all(len(name) <= 250 for name in bounded["blocks"])
    assert bounded["saved_bytes"] <= 256 * 1024
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(bounded["graph"], json.loads((PY_SRC / "torchinspect" / "schema" / "graph-1.json").read_text()))
    jsonschema.validate(bounded["snapshot"], SCHEMA)


def test_the_page_loads_the_units_a_dtensor_graph_elided_from_the_shown_rank_alone(world2: list[dict[str, Any]]) -> None:
    """Rank 0 answered the page's asks for the 299 elided units by itself (rank 1 had gone on), each
    answer within the bound: the sent nodes and the parts are the whole graph's nodes; a slice is
    still refused in words."""
    bounded = world2[0]["bounded"]
    *part_replies, slice_reply = bounded["replies"]
    assert [(reply["kind"], reply["id"]) for reply in part_replies] == [("torchinspect:graph-part", 7)] * len(
        part_replies
    )
    assert all(len(json.dumps(reply, ensure_ascii=False).encode()) <= 256 * 1024 for reply in part_replies)
    whole = {node["id"]: node for node in bounded["whole_graph"]["nodes"]}
    parts = [node for reply in part_replies for node in reply["part"]["nodes"]]
    assert sorted(node["id"] for node in bounded["graph"]["nodes"] + parts) == sorted(whole)
    assert all(node == whole[node["id"]] for node in parts)
    assert part_replies[-1]["part"]["elided"] == []
    assert (slice_reply["kind"], slice_reply["id"]) == ("torchinspect:error", 8)
    assert slice_reply["message"].startswith("torchinspect: a DTensor's picture is taken by every rank")


def layouts(graph: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Each node's op, its tensor's shape and sharding, and its saved tensors' shapes and shardings."""
    return [
        (
            node["op"],
            node["tensor"] and (node["tensor"]["shape"], node["tensor"].get("sharding")),
            {name: (saved.get("shape"), saved.get("sharding")) for name, saved in node["saved_tensors"].items()},
        )
        for node in graph["nodes"]
    ]


def test_an_fsdp2_parameter_is_a_sharded_tensor_with_its_grad(world2: list[dict[str, Any]]) -> None:
    for results in world2:
        fsdp2 = results["fsdp2"]
        snapshot = fsdp2["snapshot"]
        assert "DTensor(mesh d0=2 cpu, [Shard(0)])" in snapshot["summary"]
        assert_same_contents(snapshot, fsdp2["oracle"])
        assert_same_contents(snapshot["grad"], fsdp2["oracle_grad"])
        # inspect(model) called on every rank lists the global parameters' norms.
        for name, norm in fsdp2["full_norms"].items():
            assert math.isclose(fsdp2["model_norms"][name], norm, rel_tol=1e-5)
        # Its table says where each parameter's blocks live, as torch says it.
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(fsdp2["model"], json.loads((PY_SRC / "torchinspect" / "schema" / "model-1.json").read_text()))
        for row in fsdp2["model"]["parameters"]:
            torch_layout = fsdp2["torch_layouts"][row["name"]]
            assert row["shape"] == torch_layout["shape"]
            assert row["sharding"]["local_shape"] == torch_layout["local"]
            assert row["sharding"]["placements"] == torch_layout["placements"]
            assert row["sharding"]["mesh"]["shape"] == [2]


def test_an_fsdp2_parameter_card_shows_its_layout_from_the_one_rank_the_page_asks(
    world2: list[dict[str, Any]],
) -> None:
    """The model view's page reaches rank 0 alone: its card of an FSDP2 parameter is the layout
    (global shape, placements, every rank's block), read without a collective, and says what
    needs every rank; Refresh says to inspect again on every rank, since the norms need them all."""
    fsdp2 = world2[0]["fsdp2"]
    assert fsdp2["card_error"] is None  # no collective was started: none timed out
    card = fsdp2["card"]
    assert card["name"] == "0.weight" and card["shape"] == [8, 16]
    sharding = card["sharding"]
    assert sharding["placements"] == [{"kind": "shard", "dim": 0}] and sharding["collectives"] == 0
    assert [block["shape"] for block in sharding["blocks"]] == [results["fsdp2"]["torch_local"] for results in world2]
    assert [block["offset"] for block in sharding["blocks"]] == [[0, 0], [4, 0]]
    for part in ("statistics", "histogram", "preview"):
        assert card[part] is None
        assert "reduced by every rank of its mesh together" in card["not_computed"][part]
    assert card["grad"]["sharding"]["placements"] == [{"kind": "shard", "dim": 0}]
    assert "DTensor(mesh d0=2 cpu, [Shard(0)])" in card["summary"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(card, SCHEMA)
    (reply,) = fsdp2["refresh_reply"]
    assert reply["kind"] == "torchinspect:error" and "call inspect(model) on every rank again" in reply["message"]
    assert [results["fsdp2"]["follows_cells"] for results in world2] == [False, False]


def test_bad_calls_fail_in_words_and_in_bounded_time(
    world2: list[dict[str, Any]], world4: list[dict[str, Any]]
) -> None:
    for results in world2:
        assert "called with different tensors" in results["errors"]["different_tensors"]
        assert "no process group is initialised" in results["errors"]["no_process_group"]
        assert "inspect dtensor.to_local()" in results["errors"]["no_process_group"]
    assert world2[0]["errors"]["sidebar_row"].startswith("a DTensor's values are spread over the ranks of its mesh")
    alone = world2[0]["errors"]["one_rank_alone"]
    assert alone.startswith("CollectiveError: torchinspect: the ranks of the DTensor's mesh did not reduce")
    assert "collective_timeout(seconds)" in alone
    for rank in (2, 3):
        assert "is not part of this DTensor's device mesh (ranks [0, 1])" in world4[rank]["errors"]["not_in_mesh"]


def test_a_plain_tensor_leaves_torch_distributed_tensor_unloaded() -> None:
    code = "import sys, torch, torchinspect; torchinspect.snapshot(torch.ones(3)); print('torch.distributed.tensor' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_collective_timeout_refuses_what_is_not_a_duration() -> None:
    import torchinspect.distributed

    with pytest.raises(ValueError, match="positive number of seconds"):
        with torchinspect.distributed.collective_timeout(0):
            pass


FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "sharded.json"
FIXTURE_CASES = {"world2": ("shard0_2d", "partial_sum"), "world4": ("mesh2d_shard_shard", "mesh2d_replicate_shard")}


def test_the_typescript_fixture_is_what_real_worlds_snapshot(
    world2: list[dict[str, Any]], world4: list[dict[str, Any]]
) -> None:
    """tests/fixtures/sharded.json (read by tests/js and the browser tests) holds rank 0's snapshots
    of these worlds, and its card of an FSDP2 parameter; TORCHINSPECT_WRITE_FIXTURES=1 writes it again."""
    worlds = {"world2": world2, "world4": world4}
    made = {
        name: worlds[world][0]["cases"][name]["snapshot"] for world, names in FIXTURE_CASES.items() for name in names
    }
    made["fsdp2_card"] = world2[0]["fsdp2"]["card"]  # a layout read by rank 0 alone: no figures to compare
    if os.environ.get("TORCHINSPECT_WRITE_FIXTURES") == "1":
        FIXTURE.write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n")
    stored = json.loads(FIXTURE.read_text())
    assert stored.keys() == made.keys()
    assert stored["fsdp2_card"] == made.pop("fsdp2_card")
    for name, snapshot in made.items():
        assert_same_contents(snapshot, stored[name])
        assert snapshot["sharding"] == stored[name]["sharding"]
        assert snapshot["summary"] == stored[name]["summary"]
