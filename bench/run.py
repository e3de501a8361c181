"""Run the benchmarks: `make bench`. Prints one table per family, ratios measured in this run.

Not tests: nothing here asserts on time. The anchors (lovely-tensors, torchviz) are installed
by `make bench` into the project's environment only.
"""

from __future__ import annotations

import sys

import torch

import backward_recording
import browser_graphs
import distributed
import graph_snapshots
import graph_wire
import memory
import nan
import sidebar
import tensors
import watch

FAMILIES = {
    "tensors": tensors.run, "graphs": graph_snapshots.run, "backward": backward_recording.run,
    "browser": browser_graphs.run, "sidebar": sidebar.run,
    "memory": memory.run, "distributed": distributed.run, "nan": nan.run,
    "watch": watch.run, "wire": graph_wire.run,
}


def main(names: list[str]) -> None:
    unknown = [name for name in names if name not in FAMILIES]
    if unknown:
        sys.exit(f"bench: unknown families {unknown}; choose from {sorted(FAMILIES)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in names or FAMILIES:
        FAMILIES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
