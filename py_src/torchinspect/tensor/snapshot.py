"""Tensor → tensor snapshot: the plain data every view and host shows.

The snapshot is the public contract ``torchinspect.tensor/1``, defined by the
JSON Schema in ``schema/tensor-1.json`` and described in docs/schema.md.
Building one never changes the tensor, its grad or its graph, and keeps no
reference to any of them.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import torch

from torchinspect.distributed.detect import is_sharded
from torchinspect.tensor.elements import complex_parts, small_values, stored_nbytes
from torchinspect.tensor.metadata import (
    DTYPE_NAMES,
    LAYOUT_NAMES,
    TYPE_NAMES,
    attempt,
    device_name,
    readable_grad,
    shape_of,
)
from torchinspect.tensor.preview import preview
from torchinspect.tensor.statistics import statistics_and_histogram
from torchinspect.tensor.text import summary_line
from torchinspect.tensor.values import NoValues, values_of

SCHEMA = "torchinspect.tensor/1"
MIME_TYPE = "application/vnd.torchinspect.tensor+json"

_MEMORY_FORMATS = (
    ("channels_last", torch.channels_last, 4),
    ("channels_last_3d", torch.channels_last_3d, 5),
)


def snapshot(t: torch.Tensor, *, name: str | None = None) -> dict[str, Any]:
    """Describe a tensor as plain data: what it is, what is in it, and its grad.

    Statistics are exact over the whole tensor and computed on its device in bounded
    chunks: min, max, mean and std of the finite values, counts of NaN, +Inf, -Inf and
    zeros. The histogram counts every finite value (above 2**24 of them, every p-th, and
    says so). The preview for heatmaps is downsampled on the device; only it is copied to
    the host, as bytes. What cannot be computed (a meta tensor's values, say) is ``None``,
    with the reason under ``"not_computed"``. The grad gets a snapshot of its own. Only
    leaves and tensors that retain their grad have ``.grad`` read, so inspecting an
    intermediate raises no warning.

    A ``DTensor`` (torch.distributed.tensor) is described as its global tensor, with its
    mesh, placements and each rank's block under ``"sharding"``: every rank of its mesh calls
    ``snapshot`` together, the statistics are reduced across them with ``all_reduce`` (no
    rank gathers the data), and each rank gets the same figures (docs/schema.md).

    Args:
        t: any ``torch.Tensor`` (parameters, subclasses, every dtype and layout).
        name: what to call the tensor in views, such as the variable's name.

    Returns:
        A dict with ``"schema"`` set to ``"torchinspect.tensor/1"``. Everything in it is
        plain JSON data except the previews' ``"data"``, which are ``bytes`` (the widget
        sends them as binary buffers); ``to_json`` writes them as base64.

    Example:
        >>> import torch, torchinspect
        >>> x = torch.tensor([1.0, 2.0, float("nan"), 4.0], requires_grad=True)
        >>> snap = torchinspect.snapshot(x, name="x")
        >>> snap["shape"], snap["dtype"], snap["is_leaf"], snap["grad"]
        ([4], 'float32', True, None)
        >>> stats = snap["statistics"]
        >>> stats["min"], stats["max"], round(stats["mean"], 6), stats["nan"]
        (1.0, 4.0, 2.333333, 1)
        >>> snap["summary"]
        'x: tensor[4] float32 cpu ∈[1, 4] μ=2.333 σ=1.528 NaN×1 requires_grad leaf grad=None'
    """
    tensor = require_tensor(t, "snapshot")
    return _snapshot(tensor, name)


def summary(t: Any) -> str:
    """Describe a tensor in one line of text.

    The line names the shape, dtype and device; then the values: ``∈[min, max]``,
    mean ``μ`` and standard deviation ``σ`` of the finite values (``all=v`` when they are
    all one value, ``|·|`` for complex magnitudes) and the counts of NaN and ±Inf when
    there are any; then the autograd state in torch's own words: ``requires_grad``,
    ``leaf``, ``grad_fn=…`` and ``grad=…``.

    Args:
        t: any ``torch.Tensor``.

    Returns:
        One line, with no trailing newline.

    Example:
        >>> import torch, torchinspect
        >>> x = torch.ones(3, requires_grad=True)
        >>> torchinspect.summary(x)
        'tensor[3] float32 cpu all=1 requires_grad leaf grad=None'
        >>> torchinspect.summary(torch.tensor([1.0, 2.0, float("inf")]) * 2)
        'tensor[3] float32 cpu ∈[2, 4] μ=3 σ=1.414 +Inf×1'
        >>> torchinspect.summary(torch.arange(6).reshape(2, 3))
        'tensor[2, 3] int64 cpu ∈[0, 5] μ=2.5 σ=1.871'
    """
    return snapshot(require_tensor(t, "summary"))["summary"]


def to_json(snap: dict[str, Any]) -> str:
    """A snapshot as JSON text, each preview's bytes written as ``{"base64": "…"}``.

    Example:
        >>> import torch, torchinspect
        >>> text = torchinspect.to_json(torchinspect.snapshot(torch.eye(2)))
        >>> '"data": {"base64": "AACAPwAAAAAAAAAAAACAPw=="}' in text
        True
    """
    return json.dumps(snap, default=_encode_bytes, allow_nan=False)


def jsonable(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as ``to_json`` writes it, as Python data (for MIME bundles)."""
    return json.loads(to_json(snap))


def require_tensor(obj: object, function: str) -> torch.Tensor:
    """Return ``obj`` if it is a tensor, else raise a TypeError that says what to pass."""
    if isinstance(obj, torch.Tensor):
        if torch.nn.parameter.is_lazy(obj):
            raise TypeError(
                f"torchinspect.{function}() got an uninitialized parameter of a lazy module (such as "
                "nn.LazyLinear): it has no shape or values until the module's first forward. Run the "
                "model once on an input, then inspect the parameter."
            )
        return obj
    hint = ""
    if type(obj).__module__ == "numpy":
        hint = f" Convert a NumPy array first: {function}(torch.from_numpy(a))."
    elif isinstance(obj, (int, float, complex, bool, list, tuple)):
        hint = f" Make it a tensor first: {function}(torch.tensor(value))."
    raise TypeError(
        f"torchinspect.{function}() takes a torch.Tensor (an nn.Parameter or any tensor "
        f"subclass works too), got {type(obj).__module__}.{type(obj).__qualname__}.{hint}"
    )


def _snapshot(tensor: torch.Tensor, name: str | None) -> dict[str, Any]:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"torchinspect: name must be a string such as 'x', got {type(name).__name__}.")
    grad = readable_grad(tensor)
    fields = {
        "schema": SCHEMA,
        "name": name,
        **_identity(tensor),
        **_memory(tensor),
        **_autograd(tensor),
        "grad": None if grad is None else _snapshot(grad, None),
    }
    with torch.no_grad():
        fields.update(_contents(tensor.detach()))
    fields["summary"] = summary_line(fields)
    return fields


def _identity(tensor: torch.Tensor) -> dict[str, Any]:
    names = getattr(tensor, "names", None)
    return {
        "shape": shape_of(tensor),
        "dtype": DTYPE_NAMES[tensor.dtype],
        "device": device_name(tensor.device),
        "layout": LAYOUT_NAMES[tensor.layout],
        "numel": attempt(tensor.numel),
        "type": TYPE_NAMES[type(tensor)],
        "is_parameter": isinstance(tensor, torch.nn.Parameter),
        "names": list(names) if names is not None and any(n is not None for n in names) else None,
        "quantization": _quantization(tensor),
    }


def _memory(tensor: torch.Tensor) -> dict[str, Any]:
    numel = attempt(tensor.numel)
    fields = {
        "strides": None,
        "storage_offset": None,
        "is_contiguous": None,
        "memory_format": None,
        "element_size": tensor.element_size(),
        "nbytes": None if numel is None else numel * tensor.element_size(),
        "stored_nbytes": stored_nbytes(tensor),
        "is_view": bool(attempt(tensor._is_view)),
        "base": None,
        "version": None if tensor.is_inference() else attempt(lambda: tensor._version),
    }
    if tensor.layout == torch.strided and not tensor.is_nested:
        fields.update(_dense_memory(tensor))
    return fields


def _dense_memory(tensor: torch.Tensor) -> dict[str, Any]:
    """Strides and contiguity, defined for dense tensors alone (a subclass may still refuse)."""
    try:
        contiguous = tensor.is_contiguous()
        fields: dict[str, Any] = {
            "strides": list(tensor.stride()),
            "storage_offset": tensor.storage_offset(),
            "is_contiguous": contiguous,
            "memory_format": "contiguous" if contiguous else _other_memory_format(tensor),
        }
    except (RuntimeError, TypeError, NotImplementedError):
        return {}
    base = tensor._base
    if base is not None:
        fields["base"] = {"shape": shape_of(base), "dtype": DTYPE_NAMES[base.dtype]}
    return fields


def _autograd(tensor: torch.Tensor) -> dict[str, Any]:
    grad_fn = tensor.grad_fn
    return {
        "requires_grad": tensor.requires_grad,
        "is_leaf": tensor.is_leaf,
        "retains_grad": tensor.retains_grad,
        "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
    }


def _contents(tensor: torch.Tensor) -> dict[str, Any]:
    """statistics, histogram and preview, or None for each with the reason in not_computed."""
    if is_sharded(tensor):  # a DTensor: its ranks compute the global tensor's together
        from torchinspect.distributed.snapshot import sharded_contents

        return sharded_contents(tensor)
    try:
        values = values_of(tensor)
    except NoValues as error:
        return {
            **_not_computed(str(error), "statistics", "histogram", "preview"),
            "values": None,
            "complex_parts": None,
        }
    stats, counts = statistics_and_histogram(values, tensor.dtype)
    contents: dict[str, Any] = {
        "statistics": stats,
        "histogram": counts,
        "values": small_values(tensor),
        "complex_parts": complex_parts(tensor),
        "not_computed": {},
    }
    if contents["histogram"] is None:
        contents["not_computed"]["histogram"] = "there are no finite values to count"
    try:
        contents["preview"] = preview(tensor)
    except ValueError as error:
        contents["preview"] = None
        contents["not_computed"]["preview"] = _preview_reason(tensor, error)
    return contents


def _not_computed(reason: str, *fields: str) -> dict[str, Any]:
    return {**dict.fromkeys(fields), "not_computed": dict.fromkeys(fields, reason)}


def _preview_reason(tensor: torch.Tensor, error: ValueError) -> str:
    if tensor.dim() == 0:
        return "a scalar: one value, shown as it is"
    if tensor.numel() == 0:
        return "the tensor has no elements"
    return str(error).removeprefix("torchinspect: ")


def _quantization(tensor: torch.Tensor) -> dict[str, Any] | None:
    if not tensor.is_quantized:
        return None
    scheme = str(tensor.qscheme()).removeprefix("torch.")
    if scheme in ("per_tensor_affine", "per_tensor_symmetric"):
        return {"scheme": scheme, "scale": tensor.q_scale(), "zero_point": tensor.q_zero_point()}
    return {"scheme": scheme, "axis": tensor.q_per_channel_axis()}


def _other_memory_format(tensor: torch.Tensor) -> str | None:
    for name, memory_format, dims in _MEMORY_FORMATS:
        if tensor.dim() == dims and tensor.is_contiguous(memory_format=memory_format):
            return name
    return None


def _encode_bytes(value: object) -> dict[str, str]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"torchinspect: cannot write {type(value).__name__} as JSON")
