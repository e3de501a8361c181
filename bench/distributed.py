"""A DTensor's snapshot over 4 gloo ranks on the CPU, against the single-process snapshot of the
same tensor and against ``full_tensor()`` then snapshot: `make bench FAMILIES=distributed`.

The global tensor is 10,000 × 10,000 float32 (1e8 elements, 400 MB), Shard(0) over a 1-D mesh
of 4 ranks, each making its own 2,500 rows from its seed. Every figure is measured inside the
same run, one after the other, so that all of them see about the same load on a shared machine:
the ranks snapshot the DTensor together (one thread each, as torchrun sets it); gather it with
``full_tensor()`` and rank 0 snapshots that; once the other ranks have left, rank 0 snapshots
the full tensor with its one thread; then this process, with the machine's 2 threads, makes the
same full tensor, snapshots it and sums it (the anchor). Each figure is the best of 3. BENCH_DTENSOR_ROWS sets the rows (and columns).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import torch

from timing import best_seconds, ms, print_table, ratio

WORLD = 4
SIDE = int(os.environ.get("BENCH_DTENSOR_ROWS", "10000"))
REPEAT = 3


def run() -> None:
    import torchinspect

    figures = _launch()
    # Right after, this process (the machine's two threads) snapshots the same full tensor.
    full = torch.cat([_rows(rank) for rank in range(WORLD)])
    figures["single"] = best_seconds(lambda: torchinspect.snapshot(full), repeat=REPEAT)
    figures["sum"] = best_seconds(lambda: full.sum(), repeat=REPEAT)
    figures["single_payload"] = len(torchinspect.to_json(torchinspect.snapshot(full)))
    rows = [
        ["t.sum() (one process, anchor)", ms(figures["sum"]), "1.00×", "—"],
        [
            "snapshot(t) (one process, 2 threads)",
            ms(figures["single"]),
            ratio(figures["single"], figures["sum"]),
            f"{figures['single_payload']:,} B",
        ],
        [
            "snapshot(t) (one process, 1 thread)",
            ms(figures["single_1_thread"]),
            ratio(figures["single_1_thread"], figures["sum"]),
            "—",
        ],
        [
            f"snapshot(dtensor) ({WORLD} ranks)",
            ms(figures["sharded"]),
            ratio(figures["sharded"], figures["sum"]),
            f"{figures['payload']:,} B",
        ],
        ["full_tensor() then snapshot", ms(figures["gathered"]), ratio(figures["gathered"], figures["sum"]), "—"],
    ]
    title = f"DTensor {SIDE}×{SIDE} float32 Shard(0) over {WORLD} gloo ranks, one thread each (2 cores shared)"
    print_table(title, ["what", "time", "× sum", "payload"], rows)
    print(
        f"sharded / single process: {ratio(figures['sharded'], figures['single'])} "
        f"(1 thread: {ratio(figures['sharded'], figures['single_1_thread'])}); "
        f"sharded / full_tensor() then snapshot: {ratio(figures['sharded'], figures['gathered'])}; "
        f"all_reduce calls per snapshot: {figures['collectives']}"
    )


def _launch() -> dict:
    # One thread per rank, as torchrun sets it (OMP_NUM_THREADS=1) for several ranks on a machine.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={WORLD}"]
    run = subprocess.run([*command, __file__, "rank"], env=env, capture_output=True, text=True, timeout=1800)
    if run.returncode:
        raise RuntimeError(f"bench: a rank failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def _rank() -> None:
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import DTensor, Shard

    import torchinspect

    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=1200))
    rank = dist.get_rank()
    dtensor = DTensor.from_local(_rows(rank), init_device_mesh("cpu", (WORLD,)), [Shard(0)], run_check=False)
    gathered_once = dtensor.full_tensor()  # a collective: every rank gathers, rank 0 keeps it
    full = gathered_once if rank == 0 else None
    del gathered_once

    def gathered() -> None:
        whole = dtensor.full_tensor()
        if rank == 0:
            torchinspect.snapshot(whole)

    best: dict[str, float] = {}
    for _ in range(REPEAT):
        _keep_best(best, "sharded", _together(lambda: torchinspect.snapshot(dtensor)))
        _keep_best(best, "gathered", _together(gathered))
    snapshot = torchinspect.snapshot(dtensor)
    dist.barrier()
    dist.destroy_process_group()
    if full is None:
        return
    # The other ranks are gone (a waiting rank polls, and would take the cores): rank 0 is now
    # a single process with one thread, as each rank had.
    for _ in range(REPEAT):
        _keep_best(best, "single_1_thread", _timed(lambda: torchinspect.snapshot(full)))
    payload = len(torchinspect.to_json(snapshot))
    print(json.dumps({**best, "payload": payload, "collectives": snapshot["sharding"]["collectives"]}))


def _rows(rank: int) -> torch.Tensor:
    return torch.randn(SIDE // WORLD, SIDE, generator=torch.Generator().manual_seed(rank))


def _keep_best(best: dict[str, float], key: str, seconds: float) -> None:
    best[key] = min(best.get(key, float("inf")), seconds)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _together(action: Callable[[], object]) -> float:
    """Seconds from a barrier before the call to a barrier after it: until the slowest rank is done."""
    import torch.distributed as dist

    dist.barrier()
    start = time.perf_counter()
    action()
    dist.barrier()
    return time.perf_counter() - start


if __name__ == "__main__" and sys.argv[1:] == ["rank"]:
    _rank()
