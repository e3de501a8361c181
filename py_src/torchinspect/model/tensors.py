"""One parameter or buffer as the model snapshot lists it: what it is and a few exact numbers.

The numbers (norm, NaN and Inf counts, the grad's) are reduced on the tensor's own device under
``no_grad``: one pass for a finite tensor, two more only when something is not finite.
"""

from __future__ import annotations

from typing import Any

import torch

from torchinspect.distributed.detect import is_sharded
from torchinspect.distributed.placements import graph_sharding
from torchinspect.protocol import json_float, json_int
from torchinspect.tensor.metadata import readable_grad, shape_of


def tensor_entry(tensor: torch.Tensor, name: str, module: int) -> dict[str, Any]:
    """Shape, dtype, device, size in bytes, and the values' norm and NaN/Inf counts."""
    if torch.nn.parameter.is_lazy(tensor):
        return {
            "name": name,
            "module": module,
            "shape": None,
            "dtype": None,
            "device": str(tensor.device),
            "numel": 0,
            "bytes": 0,
            "lazy": True,
            **_no_values(),
        }
    numel = tensor.numel()
    entry = {
        "name": name,
        "module": module,
        "shape": shape_of(tensor),
        "dtype": str(tensor.dtype).removeprefix("torch."),
        "device": str(tensor.device),
        "numel": json_int(numel),
        "bytes": json_int(numel * tensor.element_size()),
        **values_of(tensor),
    }
    if is_sharded(tensor):  # FSDP2, tensor parallel: where the global tensor's blocks live
        entry["sharding"] = graph_sharding(tensor)
    return entry


def parameter_entry(parameter: torch.Tensor, name: str, module: int, aliases: list[str]) -> dict[str, Any]:
    """A parameter's entry: the tensor's, whether it trains, its other names, and its grad."""
    grad = readable_grad(parameter)
    return {
        **tensor_entry(parameter, name, module),
        "aliases": aliases,
        "requires_grad": parameter.requires_grad,
        "grad": None if grad is None else values_of(grad),
    }


def values_of(tensor: torch.Tensor) -> dict[str, Any]:
    """The L2 norm and the NaN and Inf counts of a tensor's values (None where none can be read)."""
    if is_sharded(tensor):  # a DTensor (FSDP2, tensor parallel): its ranks reduce the global figures together
        from torchinspect.distributed.norms import sharded_norm

        figures = sharded_norm(tensor)
        return {**figures, "norm": json_float(figures["norm"])}
    if tensor.device.type == "meta" or tensor.is_sparse or tensor.is_nested or tensor.numel() == 0:
        return _no_values() if tensor.numel() else {"norm": 0.0, "nan": 0, "inf": 0}
    with torch.no_grad():
        values = tensor.detach()
        if values.is_complex():
            values = torch.view_as_real(values)
        if not (values.is_floating_point()):
            return {"norm": json_float(torch.linalg.vector_norm(values.double()).item()), "nan": 0, "inf": 0}
        norm = torch.linalg.vector_norm(values, dtype=torch.float64 if values.dtype == torch.float64 else torch.float32)
        if torch.isfinite(norm).item():
            return {"norm": json_float(norm.item()), "nan": 0, "inf": 0}
        return {
            "norm": json_float(norm.item()),
            "nan": json_int(int(torch.isnan(values).sum().item())),
            "inf": json_int(int(torch.isinf(values).sum().item())),
        }


def _no_values() -> dict[str, Any]:
    return {"norm": None, "nan": None, "inf": None}
