"""A DTensor's snapshot over 4 gloo ranks on the CPU, against the single-process snapshot of the
same tensor and against ``full_tensor()`` then snapshot: `make bench FAMILIES=distributed`.

The global tensor is 10,000 × 10,000 float32 (1e8 elements, 400 MB), Shard(0) over a 1-D mesh
of 4 ranks; each rank makes its own 2,500 rows from its seed, and the single process makes the
same rows and concatenates them. Times are rank 0's, the best of 3 calls made by every rank
together after a barrier; each rank runs one thread, as under torchrun. BENCH_DTENSOR_ROWS sets the rows (and columns) for a smaller run.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time

import torch

from timing import best_seconds, ms, print_table, ratio

WORLD = 4
SIDE = int(os.environ.get("BENCH_DTENSOR_ROWS", "10000"))
REPEAT = 3


def shard(rank: int) -> torch.Tensor:
    return torch.randn(SIDE // WORLD, SIDE, generator=torch.Generator().manual_seed(rank))


def run() -> None:
    import torchinspect

    full = torch.cat([shard(rank) for rank in range(WORLD)])
    # The single process is measured before and after the ranks run, the best kept: on a shared
    # machine the load changes from minute to minute.
    single, total = _single_process(full)
    ranked = _launch()
    single_after, total_after = _single_process(full)
    single, total = min(single, single_after), min(total, total_after)
    payload = len(torchinspect.to_json(torchinspect.snapshot(full)))
    rows = [
        ["t.sum() (one process, anchor)", ms(total), "1.00×", "—"],
        ["snapshot(t) (one process)", ms(single), ratio(single, total), f"{payload:,} B"],
        [
            f"snapshot(dtensor) ({WORLD} ranks)",
            ms(ranked["sharded"]),
            ratio(ranked["sharded"], total),
            f"{ranked['payload']:,} B",
        ],
        ["full_tensor() then snapshot", ms(ranked["gathered"]), ratio(ranked["gathered"], total), "—"],
    ]
    title = f"DTensor {SIDE}×{SIDE} float32 Shard(0) over {WORLD} gloo ranks, one thread each (2 cores shared)"
    print_table(title, ["what", "time", "× sum", "payload"], rows)
    print(
        f"sharded / single process: {ratio(ranked['sharded'], single)}; all_reduce calls per snapshot: {ranked['collectives']}"
    )


def _single_process(full: torch.Tensor) -> tuple[float, float]:
    import torchinspect

    return best_seconds(lambda: torchinspect.snapshot(full), repeat=REPEAT), best_seconds(
        lambda: full.sum(), repeat=REPEAT
    )


def _launch() -> dict:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # One thread per rank, as torchrun sets it (OMP_NUM_THREADS=1) for several ranks on a machine.
    env = {**os.environ, "WORLD_SIZE": str(WORLD), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    env["OMP_NUM_THREADS"] = "1"
    ranks = [
        subprocess.Popen(
            [sys.executable, __file__, "rank"], env={**env, "RANK": str(rank)}, stdout=subprocess.PIPE, text=True
        )
        for rank in range(WORLD)
    ]
    outputs = [rank.communicate(timeout=1200)[0] for rank in ranks]
    if any(rank.returncode for rank in ranks):
        raise RuntimeError("bench: a rank failed; see its output above")
    return json.loads(outputs[0].strip().splitlines()[-1])


def _rank() -> None:
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import DTensor, Shard

    import torchinspect

    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=600))
    rank = dist.get_rank()
    mesh = init_device_mesh("cpu", (WORLD,))
    dtensor = DTensor.from_local(shard(rank), mesh, [Shard(0)], run_check=False)

    def gathered() -> None:
        full = dtensor.full_tensor()
        if rank == 0:
            torchinspect.snapshot(full)

    times = {"sharded": _together(lambda: torchinspect.snapshot(dtensor)), "gathered": _together(gathered)}
    snap = torchinspect.snapshot(dtensor)
    if rank == 0:
        payload = len(torchinspect.to_json(snap))
        print(json.dumps({**times, "payload": payload, "collectives": snap["sharding"]["collectives"]}))
    dist.barrier()
    dist.destroy_process_group()


def _together(action) -> float:  # noqa: ANN001
    """The best of REPEAT calls that every rank starts together (a fixed count, so ranks stay in step)."""
    import torch.distributed as dist

    best = float("inf")
    for _ in range(REPEAT):
        dist.barrier()
        start = time.perf_counter()
        action()
        dist.barrier()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__" and sys.argv[1:] == ["rank"]:
    _rank()
