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
