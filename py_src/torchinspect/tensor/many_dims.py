"""Tensors of more dimensions than some of torch's elementwise ops take (``torch.isfinite``,
``torch.isclose`` and so ``torch.testing.assert_close`` raise "only tensors with up to 64 dims
are supported"): where the answer is elementwise, the flat tensor gives the same one.
"""

from __future__ import annotations

import torch

TORCH_MAX_DIMS = 64
"""The most dimensions ``torch.isfinite`` and ``torch.isclose`` take."""


def within_torch_dims(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` itself, or flattened where it has more than TORCH_MAX_DIMS dimensions (a view
    where its layout allows one, else a copy).

    Example:
        >>> import torch
        >>> within_torch_dims(torch.ones([1] * 64 + [3])).shape
        torch.Size([3])
        >>> within_torch_dims(torch.ones(2, 3)).shape
        torch.Size([2, 3])
    """
    return tensor if tensor.dim() <= TORCH_MAX_DIMS else tensor.reshape(-1)
