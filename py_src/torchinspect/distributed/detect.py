"""Whether a tensor is a DTensor, asked without importing torch.distributed."""

from __future__ import annotations

import sys

import torch


def is_sharded(tensor: torch.Tensor) -> bool:
    """True for a ``torch.distributed.tensor.DTensor`` (and its subclasses).

    A DTensor exists only once its module is imported, so a plain tensor's snapshot never pays
    for importing torch.distributed.
    """
    module = sys.modules.get("torch.distributed.tensor")
    return module is not None and isinstance(tensor, module.DTensor)


def sharded_type() -> type | None:
    """The DTensor class once torch.distributed.tensor is imported, else None: then no tensor is one.

    Read once per graph, so that telling each of thousands of saved tensors apart costs one
    ``isinstance``, or nothing when DTensors were never imported.
    """
    module = sys.modules.get("torch.distributed.tensor")
    return None if module is None else module.DTensor
