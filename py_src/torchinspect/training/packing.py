"""The small parameters of a model read together: biases and the weights of normalisation
layers are most of a model's parameters and few of its bytes (G3: 46 of 65, 12 KB of 1.1 MB),
and reading them one by one, an operation each for the copy, the norm and the sample, made up
most of a recorded step's cost on the optimizer's side. Packed, they are copied into one flat
tensor by one call, and their norms taken from it by two.
"""

from __future__ import annotations

from collections import Counter

import torch

from torchinspect.training.statistics import SAMPLE

SMALL = SAMPLE
"""The most values a packed tensor holds: a small gradient's sample is the whole of it, so that
the packed gradients are their own samples."""


class Packed:
    """Where each of some tensors lies in their flat copy, to take their norms from it."""

    def __init__(self, tensors: list[torch.Tensor]) -> None:
        device = tensors[0].device
        lengths = torch.tensor([t.numel() for t in tensors], device=device)
        self.count = len(tensors)
        self._segments = torch.repeat_interleave(torch.arange(self.count, device=device), lengths)
        # Sums of squares in float64 where the device has it: closer to the exact norm than
        # torch's own float32 reduction, whatever the order of the additions.
        self._sums = torch.float64 if device.type in ("cpu", "cuda") else torch.float32

    def norms(self, flat: torch.Tensor) -> torch.Tensor:
        """[count] float32: the L2 norm of each tensor in ``flat``, a flat copy of them.

        Example:
            >>> tensors = [torch.tensor([3.0, 4.0]), torch.tensor([[1.0]])]
            >>> Packed(tensors).norms(flat(tensors)).tolist()
            [5.0, 1.0]
        """
        squares = flat.to(self._sums).square_()
        return squares.new_zeros(self.count).index_add_(0, self._segments, squares).sqrt_().float()


def flat(tensors: list[torch.Tensor]) -> torch.Tensor:
    """One flat copy of the tensors, one after the other (one call: torch's own, as its
    distributed data parallel packs gradients)."""
    return torch._utils._flatten_dense_tensors(tensors)


def packable(tensors: list[torch.Tensor]) -> list[int]:
    """The places of the tensors to pack: dense, of at most SMALL values, on the device and of
    the dtype most of the small ones share (one flat copy holds one device and dtype)."""
    small = [i for i, t in enumerate(tensors) if t.layout == torch.strided and t.numel() <= SMALL]
    kinds = [(tensors[i].device, tensors[i].dtype) for i in small]
    if not kinds:
        return []
    common = Counter(kinds).most_common(1)[0][0]
    return [i for i, kind in zip(small, kinds) if kind == common]
