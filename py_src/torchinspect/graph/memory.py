"""What a graph holds in memory for backward: the storages of its saved tensors, each once.

A saved tensor keeps its whole storage alive, and several nodes often save the same one (an
activation saved by the op that made it and the op that takes it; views of one tensor). So the
memory a graph holds is the sum of its distinct storages, found by identity (device and data
pointer), each counted at the first node that saves it (the walk's order: from the roots). The
storages of the graph's leaves (parameters, inputs) are left out: the model and the user hold
them whether or not the graph lives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


class SavedMemory:
    """The distinct storages saved by a graph's nodes, as the snapshot describes them one by one."""

    def __init__(self, leaves: Iterable[torch.Tensor]) -> None:
        self.node = ""
        """The id of the node whose saved tensors are being described."""
        self.leaf_storages = {found[0] for found in map(_storage_of, leaves) if found is not None}
        self.index: dict[tuple[torch.device, int], int] = {}
        self.held_by_node: dict[str, int] = {}
        self.total = 0

    def add(self, tensor: torch.Tensor) -> int | None:
        """The index of the tensor's storage in this graph (None when it has none: meta, sparse)."""
        found = _storage_of(tensor)
        if found is None:
            return None
        key, storage = found
        index = self.index.get(key)
        if index is None:
            index = self.index[key] = len(self.index)
            if key not in self.leaf_storages:
                nbytes = storage.nbytes()
                self.total += nbytes
                self.held_by_node[self.node] = self.held_by_node.get(self.node, 0) + nbytes
        return index

    def summary(self) -> dict[str, Any]:
        """The snapshot's ``memory``: the bytes held, in all and by the node that counts each storage."""
        return {"held_nbytes": self.total, "held_by_node": self.held_by_node}


def _storage_of(tensor: torch.Tensor) -> tuple[tuple[torch.device, int], torch.UntypedStorage] | None:
    """The tensor's storage and what identifies it (device and data pointer: the device, since
    two devices can hand out the same address), or None where it has no storage of its own."""
    try:
        storage = tensor.untyped_storage()
        # A tensor subclass that holds its values elsewhere (a DTensor) has a storage without data.
        pointer = storage.data_ptr()
    except (RuntimeError, NotImplementedError):  # sparse, nested, and other layouts without one
        return None
    return None if pointer == 0 else ((storage.device, pointer), storage)
