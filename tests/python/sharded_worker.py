"""One rank of a gloo world for test_distributed: builds DTensors, snapshots them, writes the results.

Run as ``torchrun --nproc-per-node=WORLD sharded_worker.py WORLD OUT``, or as ``python
sharded_worker.py WORLD OUT`` with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set. Every tensor is built from a seed on every rank, so each rank also snapshots the full
tensor in one process: the oracle the test compares against. The results (snapshots as JSON,
error messages) go to OUT/rank<r>.json; the test asserts on them.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import sys
from collections.abc import Callable
from typing import Any

import torch
import torch.distributed as dist
from torch.distributed.device_mesh import DeviceMesh, init_device_mesh
from torch.distributed.tensor import DTensor, Partial, Replicate, Shard, distribute_tensor
from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

import torchinspect
import torchinspect.distributed
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.lab.listing import TensorListing
from torchinspect.protocol import REFRESH_REQUEST
from torchinspect.tensor.snapshot import jsonable

Case = Callable[[], tuple[DTensor, torch.Tensor]]


def planted(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """randn with a NaN, +Inf and -Inf and some zeros in it: every count has something to count."""
    generator = torch.Generator().manual_seed(seed)
    t = torch.randn(shape, generator=generator) * 3 + 1
    flat = t.view(-1)
    flat[7], flat[-3], flat[len(flat) // 2] = math.nan, math.inf, -math.inf
    flat[11:20] = 0.0
    return t


def partial_case(mesh: DeviceMesh, shape: tuple[int, ...], op: str) -> tuple[DTensor, torch.Tensor]:
    """A Partial tensor on a 1-D mesh whose addends differ per rank; the oracle applies op across them by hand."""
    addends = torch.stack([planted(shape, 100 + rank) for rank in range(mesh.size())])
    reduced = {"sum": addends.sum(0), "avg": addends.mean(0), "max": addends.amax(0)}[op]
    return DTensor.from_local(addends[dist.get_rank()], mesh, [Partial(op)], run_check=False), reduced


def shard_and_partial(mesh: DeviceMesh) -> tuple[DTensor, torch.Tensor]:
    """Shard(1) on one mesh dimension, Partial(sum) on the other; torch's full_tensor() is the oracle."""
    dtensor = DTensor.from_local(
        planted((6, 10), 200 + dist.get_rank()), mesh, [Shard(1), Partial("sum")], run_check=False
    )
    return dtensor, dtensor.full_tensor()


def cases_of(world: int) -> dict[str, Case]:
    if world == 2:
        mesh = init_device_mesh("cpu", (2,), mesh_dim_names=("dp",))
        big = torch.arange(-30_000, 30_000, 3, dtype=torch.int64) * (2**40 + 1)
        line = planted((10_001,), 3)
        return {
            "shard0_2d": lambda: _dist(planted((301, 257), 1), mesh, [Shard(0)]),
            "shard1_uneven": lambda: _dist(planted((5, 7), 2), mesh, [Shard(1)]),
            "replicate": lambda: _dist(planted((40, 30), 4), mesh, [Replicate()]),
            "line_envelope": lambda: _dist(line, mesh, [Shard(0)]),
            "int64_exact": lambda: _dist(big, mesh, [Shard(0)]),
            "bool": lambda: _dist(torch.arange(9) % 3 == 0, mesh, [Shard(0)]),
            "three_d": lambda: _dist(planted((3, 50, 60), 5), mesh, [Shard(0)]),
            "scalar": lambda: _dist(torch.tensor(2.5), mesh, [Replicate()]),
            "partial_sum": lambda: partial_case(mesh, (64, 33), "sum"),
            "partial_avg": lambda: partial_case(mesh, (17,), "avg"),
            "partial_max": lambda: partial_case(mesh, (8, 9), "max"),
        }
    mesh = init_device_mesh("cpu", (2, 2), mesh_dim_names=("dp", "tp"))
    return {
        "mesh2d_shard_shard": lambda: _dist(planted((130, 301), 6), mesh, [Shard(0), Shard(1)]),
        "mesh2d_replicate_shard": lambda: _dist(planted((50, 9), 7), mesh, [Replicate(), Shard(0)]),
        "mesh2d_nested_shard": lambda: _dist(planted((11, 4), 8), mesh, [Shard(0), Shard(0)]),
        "mesh2d_shard_partial": lambda: shard_and_partial(mesh),
        "big_bounded": lambda: _dist(planted((1000, 1000), 9), mesh, [Shard(0), Shard(1)]),
    }


def _dist(full: torch.Tensor, mesh: DeviceMesh, placements: list[Any]) -> tuple[DTensor, torch.Tensor]:
    return distribute_tensor(full, mesh, placements), full


def run_cases(world: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, case in cases_of(world).items():
        dtensor, full = case()
        local_shape, offset = compute_local_shape_and_global_offset(
            dtensor.shape, dtensor.device_mesh, dtensor.placements
        )
        results[name] = {
            "snapshot": jsonable(torchinspect.snapshot(dtensor, name=name)),
            "oracle": jsonable(torchinspect.snapshot(full, name=name)),
            "summary": torchinspect.summary(dtensor),
            "torch_local": [list(local_shape), list(offset)],
        }
    return results


def error_of(action: Callable[[], object]) -> str | None:
    try:
        action()
    except (RuntimeError, ValueError, TypeError) as error:  # the test reads the message
        return f"{type(error).__name__}: {error}"
    return None


def run_inspect(world: int) -> dict[str, Any]:
    mesh = init_device_mesh("cpu", (world,))
    dtensor = distribute_tensor(planted((2000, 1000), 10), mesh, [Shard(0)])
    widget = torchinspect.inspect(dtensor, name="w", rank=world - 1)
    line = torchinspect.summary(dtensor)  # every rank takes part; one prints, as a script run by torchrun would
    if dist.get_rank() == 0:
        print(line, flush=True)
    local = dtensor.to_local()
    finite = local[local.isfinite()]
    # Torch's own figures of this rank's block, for the block the shown rank received from it.
    own = {
        "shape": list(local.shape),
        "nan": int(local.isnan().sum()),
        "min": float(finite.min()),
        "max": float(finite.max()),
    }
    if widget is None:
        return {"widget": None, "own_block": own}
    return {
        "widget": type(widget).__name__,
        "sharded": widget.sharded,
        "state": jsonable(widget.snapshot),
        "bytes": len(torchinspect.to_json(widget.snapshot)),
        "bundle": sorted((widget._repr_mimebundle_() or ({}, {}))[0]),
        "blocks": [jsonable(block) for block in widget.blocks],
        "block_bytes": [len(torchinspect.to_json(block)) for block in widget.blocks],
        "own_block": own,
    }


def run_autograd(world: int) -> dict[str, Any]:
    """A DTensor parameter after backward: its grad (a DTensor too), and the graph of a result."""
    mesh = init_device_mesh("cpu", (world,))
    weight = distribute_tensor(planted((6, 4), 11), mesh, [Shard(0)]).requires_grad_()
    inputs = distribute_tensor(torch.randn(4, 3, generator=torch.Generator().manual_seed(12)), mesh, [Replicate()])
    result = (weight @ inputs).tanh()
    result.sum().backward(retain_graph=True)  # the graph keeps its saved tensors for the graph view
    snapshot = jsonable(torchinspect.snapshot(weight, name="weight"))
    widget = torchinspect.inspect(result, name="result", rank=0)
    return {
        "snapshot": snapshot,
        "oracle_grad": jsonable(torchinspect.snapshot(weight.grad.full_tensor())),
        "graph_ops": None if widget is None else sorted(node["op"] or node["kind"] for node in widget.graph["nodes"]),
        # The graph as the page gets it, walked by rank 0 alone while rank 1 went on.
        "graph": None if widget is None else widget.graph,
        "torch_local_shapes": {
            name: list(tensor.to_local().shape)
            for name, tensor in [("weight", weight), ("inputs", inputs), ("result", result)]
        },
    }


def run_bounded(world: int) -> dict[str, Any]:
    """A long graph (900 nodes, ~370 KB whole) and a name of 100,000 characters: what the widget holds."""
    mesh = init_device_mesh("cpu", (world,))
    steps = distribute_tensor(torch.zeros(4, 2), mesh, [Shard(0)]).requires_grad_()
    for _ in range(300):
        steps = torch.tanh(steps * 2 + 1)
    widget = torchinspect.inspect(steps, name="n" * 100_000, rank=0)
    if widget is None:
        return {"widget": None}
    replies: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: replies.append(content)  # type: ignore[method-assign]
    (repeat,) = widget.graph["folding"]["repeats"]
    (stretch,) = repeat["elided"]
    # The page asks rank 0 alone for the units its first payload left out (rank 1 has gone on), run
    # after run as each bounded answer leaves the rest of them, and for a slice.
    left = stretch["units"]
    while left:
        asked = {"repeat": repeat["units"][0][0], "count": repeat["count"], "stretch": left, "units": left}
        widget._answer(widget, {"kind": "torchinspect:graph-part", "id": 7, **asked}, [])
        left = next((run["units"] for run in replies[-1].get("part", {}).get("elided", ())), None)
    widget._answer(widget, {"kind": "torchinspect:preview", "id": 8, "target": "value", "axes": None, "index": []}, [])
    widget.close()
    return {
        "replies": replies,
        "whole_graph": graph_for_view(steps),  # what the widget sent before it was bounded
        "whole_graph_bytes": len(json.dumps(graph_for_view(steps), ensure_ascii=False).encode()),
        "graph": widget.graph,
        "graph_bytes": len(json.dumps(widget.graph, ensure_ascii=False).encode()),
        "snapshot": jsonable(widget.snapshot),
        "blocks": [block["name"] for block in widget.blocks],
        "saved_bytes": len(json.dumps((widget._repr_mimebundle_() or ({}, {}))[0], ensure_ascii=False).encode()),
    }


def run_fsdp2() -> dict[str, Any]:
    """An FSDP2 model (fully_shard): its parameters are DTensors sharded on dim 0 over the ranks."""
    from torch.distributed.fsdp import fully_shard

    torch.manual_seed(13)
    model = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
    fully_shard(model)
    model(torch.randn(5, 16)).sum().backward()
    weight = model[0].weight
    shown = torchinspect.inspect(model, name="model")  # every rank: the norms are DTensor reductions
    results = {
        "snapshot": jsonable(torchinspect.snapshot(weight, name="0.weight")),
        "oracle": jsonable(torchinspect.snapshot(weight.full_tensor())),
        "oracle_grad": jsonable(torchinspect.snapshot(weight.grad.full_tensor())),
        "model_norms": {entry["name"]: entry["norm"] for entry in shown.model["parameters"]},
        "model": jsonable(shown.model),
        "torch_layouts": {
            name: {
                "shape": list(p.shape),
                "local": list(p.to_local().shape),
                "placements": [{"kind": "shard", "dim": x.dim} if x.is_shard() else repr(x) for x in p.placements],
            }
            for name, p in model.named_parameters()
        },
        "full_norms": {name: float(p.full_tensor().norm()) for name, p in model.named_parameters()},
        "torch_local": list(weight.to_local().shape),
        "follows_cells": shown.follows_cells,
    }
    if dist.get_rank() == 0:  # the page clicks a card and presses Refresh on this rank's widget alone
        with torchinspect.distributed.collective_timeout(3):  # a collective would fail in 3 s, not pass
            results["card_error"] = error_of(lambda: setattr(shown, "selected", "0.weight"))
            results["card"] = jsonable(shown.parameter)
            replies: list[Any] = []
            shown.send = lambda reply, buffers=None: replies.append(reply)  # type: ignore[method-assign]
            shown._answer(shown, {"kind": REFRESH_REQUEST, "id": "r1"}, [])
            results["refresh_reply"] = replies
    dist.barrier()
    return results


def run_errors(world: int) -> dict[str, Any]:
    """Bad calls, in an order that leaves the group usable until the last one."""
    rank = dist.get_rank()
    results: dict[str, Any] = {}
    if world == 4:
        pair = DeviceMesh("cpu", [0, 1])
        dtensor = DTensor.from_local(torch.ones(3), pair, [Shard(0)], run_check=False)
        results["not_in_mesh"] = error_of(lambda: torchinspect.snapshot(dtensor)) if rank >= 2 else None
        dist.barrier()
        return results
    mesh = init_device_mesh("cpu", (2,))
    if rank == 0:  # the Tensors sidebar lists a notebook's names on one rank: it must start no collective
        listed = TensorListing().list({"dtensor": distribute_tensor_locally((3, 3), mesh)})
        results["sidebar_row"] = listed.rows["dtensor"]["not_counted"]
    with torchinspect.distributed.collective_timeout(3):
        shape = (4, 6) if rank == 0 else (4, 7)
        results["different_tensors"] = error_of(lambda: torchinspect.snapshot(distribute_tensor_locally(shape, mesh)))
        dist.barrier()
        dtensor = distribute_tensor(torch.ones(4, 4), mesh, [Shard(0)])
        results["one_rank_alone"] = error_of(lambda: torchinspect.snapshot(dtensor)) if rank == 0 else None
    dist.destroy_process_group()
    results["no_process_group"] = error_of(lambda: torchinspect.summary(dtensor))
    return results


def distribute_tensor_locally(shape: tuple[int, ...], mesh: DeviceMesh) -> DTensor:
    """A DTensor each rank believes has ``shape``: what a program that diverged across ranks holds."""
    return DTensor.from_local(torch.ones(shape), mesh, [Replicate()], run_check=False)


def main() -> None:
    world, out = int(sys.argv[1]), sys.argv[2]
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    results = {"cases": run_cases(world), "inspect": run_inspect(world), "autograd": run_autograd(world)}
    results["fsdp2"] = run_fsdp2() if world == 2 else None
    results["bounded"] = run_bounded(world) if world == 2 else None
    results["errors"] = run_errors(world)
    with open(os.path.join(out, f"rank{os.environ['RANK']}.json"), "w") as file:
        json.dump(results, file)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
