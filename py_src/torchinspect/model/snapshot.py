"""An ``nn.Module`` as plain data (``torchinspect.model/1``): its module tree, each module's
parameter count and bytes (a parameter shared by several modules counted once), what trains and
what is frozen, its buffers, and each parameter's shape, dtype, device, grad and NaN/Inf counts.

Pure: reads the module under ``no_grad``, changes nothing, keeps nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch

from torchinspect.model.tensors import parameter_entry, tensor_entry
from torchinspect.protocol import json_int

SCHEMA = "torchinspect.model/1"
MIME_TYPE = "application/vnd.torchinspect.model+json"
"""The MIME type under which a saved ``inspect(model)`` output carries its snapshot."""


def model_snapshot(model: torch.nn.Module, *, name: str | None = None) -> dict[str, Any]:
    """The module tree of ``model``, its parameters and buffers, as ``torchinspect.model/1``.

    Modules are listed depth first, each with the index of its parent; parameters and buffers
    each once, under the first name ``named_parameters()`` gives them, with the module that
    holds them (a shared parameter lists its other names as ``aliases``).

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> snap = model_snapshot(model, name="model")
        >>> [(m["path"], m["class"], m["parameters"]) for m in snap["modules"]]
        [('', 'Sequential', 9), ('0', 'Linear', 9), ('1', 'ReLU', 0)]
        >>> snap["summary"]
        'model: Sequential, 9 parameters (36 B), all trainable'
    """
    require_module(model, "model_snapshot")
    named = list(model.named_modules())
    index = {path: position for position, (path, _module) in enumerate(named)}
    modules = [_module_row(path, module, index) for path, module in named]
    aliases = _aliases(model)
    parameters = [
        parameter_entry(p, path, index[_owner(path)], aliases[id(p)][1:]) for path, p in model.named_parameters()
    ]
    buffers = [tensor_entry(b, path, index[_owner(path)]) for path, b in model.named_buffers()]
    totals = modules[0]
    return {
        "schema": SCHEMA,
        "name": name,
        "class": type(model).__name__,
        "summary": _summary(name, type(model).__name__, totals),
        "modules": modules,
        "parameters": parameters,
        "buffers": buffers,
    }


def require_module(obj: object, function: str) -> torch.nn.Module:
    """Return ``obj`` if it is an ``nn.Module``, else raise a TypeError that says what to pass."""
    if isinstance(obj, torch.nn.Module):
        return obj
    raise TypeError(
        f"torchinspect.{function}() takes a torch.nn.Module (a model or any of its layers), "
        f"got {type(obj).__module__}.{type(obj).__qualname__}"
    )


def _module_row(path: str, module: torch.nn.Module, index: dict[str, int]) -> dict[str, Any]:
    parameters = list(module.parameters())  # each once, shared ones too
    lazy = [p for p in parameters if torch.nn.parameter.is_lazy(p)]
    counted = [p for p in parameters if not torch.nn.parameter.is_lazy(p)]
    buffers = [b for b in module.buffers() if not torch.nn.parameter.is_lazy(b)]
    return {
        "path": path,
        "class": type(module).__name__,
        "parent": index[_owner(path)] if path else None,
        "depth": 0 if not path else path.count(".") + 1,
        "parameters": json_int(sum(p.numel() for p in counted)),
        "trainable": json_int(sum(p.numel() for p in counted if p.requires_grad)),
        "bytes": json_int(sum(p.numel() * p.element_size() for p in counted)),
        "lazy": len(lazy),
        "buffers": json_int(sum(b.numel() for b in buffers)),
        "buffer_bytes": json_int(sum(b.numel() * b.element_size() for b in buffers)),
        "extra": _extra_repr(module),
    }


def _extra_repr(module: torch.nn.Module) -> str:
    """What the module's own repr says of it, on one line (``in_features=2, out_features=3``)."""
    try:
        text = module.extra_repr()
    except Exception:  # noqa: BLE001 - a user's extra_repr may fail; the tree still shows
        return ""
    return " ".join(text.split())[:200]


def _owner(path: str) -> str:
    return path.rpartition(".")[0]


def _aliases(model: torch.nn.Module) -> dict[int, list[str]]:
    """Every name of each parameter, the one ``named_parameters()`` keeps first."""
    names: dict[int, list[str]] = defaultdict(list)
    for path, parameter in model.named_parameters(remove_duplicate=False):
        names[id(parameter)].append(path)
    return names


def _summary(name: str | None, class_name: str, totals: dict[str, Any]) -> str:
    count, trainable = int(totals["parameters"]), int(totals["trainable"])
    if trainable == count:
        trains = "all trainable" if count else "no parameters"
    elif trainable == 0:
        trains = "all frozen"
    else:
        trains = f"{trainable:,} trainable, {count - trainable:,} frozen"
    text = f"{class_name}, {count:,} parameters ({readable_bytes(int(totals['bytes']))}), {trains}"
    if totals["lazy"]:
        text += f", {totals['lazy']} not initialized yet (lazy)"
    if int(totals["buffers"]):
        text += f", buffers {readable_bytes(int(totals['buffer_bytes']))}"
    return text if name is None else f"{name}: {text}"


def readable_bytes(count: int) -> str:
    """Bytes as people read them: ``36 B``, ``1.5 KiB``, ``3.2 MiB``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"
