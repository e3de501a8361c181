"""What the page receives of a watch: at most ``PAYLOAD_BYTES`` per update, whatever the length
of the run or the size of the model.

Numbers travel as little-endian float32 bytes (anywidget sends bytes as binary buffers): the loss
and step of every kept column, each parameter's gradient norm and update ratio over a number of
columns that shrinks as the parameters grow, and the activation and gradient heatmaps of one
selected module, each column's histogram scaled to 0–255 (a heatmap reads shares, not counts).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import torch

from torchinspect.protocol import json_float
from torchinspect.training.history import History
from torchinspect.training.statistics import ACTIVATION_FIELDS, BIN_EDGES

SCHEMA = "torchinspect.watch/1"
MIME_TYPE = "application/vnd.torchinspect.watch+json"
"""The MIME type under which a saved watch output (and an exported page) carries its payload,
the bytes written as base64 (``to_json``)."""
PAYLOAD_BYTES = 64 * 1024
SPARKLINE_BYTES = 24 * 1024
"""The share of an update the parameters' lines may take."""
HEATMAP_COLUMNS = 300


def payload(
    history: History,
    *,
    parameters: list[str],
    modules: list[str],
    classes: list[str],
    steps: int,
    every: int,
    selected: int,
    flags: list[dict[str, Any]],
    summary: str,
    running: bool,
) -> dict[str, Any]:
    """The watch as its page shows it, at most ``PAYLOAD_BYTES``; see the module's docstring."""
    count = history.count
    lines = max(2, min(count, SPARKLINE_BYTES // max(1, 8 * len(parameters)))) if count else 0
    by_parameter = history.parameters()
    latest_parameters = by_parameter[-1] if count else torch.full((len(parameters), 3), float("nan"))
    activations = history.activations()
    return {
        "schema": SCHEMA,
        "summary": summary,
        "running": running,
        "steps": steps,
        "every": every,
        "columns": count,
        "steps_per_column": history.steps_per_column,
        "step": _bytes(history.steps().float()),
        "loss": _bytes(history.losses()),
        "parameters": [
            {"name": name, "grad_norm": json_float(g), "weight_norm": json_float(w), "update_ratio": json_float(r)}
            for name, (g, w, r) in zip(parameters, latest_parameters.tolist())
        ],
        "lines": lines,
        "grad_norm": _bytes(_columns(by_parameter[:, :, 0].T, lines)) if count else b"",
        "update_ratio": _bytes(_columns(by_parameter[:, :, 2].T, lines)) if count else b"",
        "modules": [
            {"name": name, "class": kind, **{field: json_float(v) for field, v in zip(ACTIVATION_FIELDS, row)}}
            for name, kind, row in zip(modules, classes, _latest_rows(activations, len(modules)))
        ],
        "selected": selected,
        "heatmaps": _heatmaps(history, selected),
        "bin_edges": [json_float(edge) for edge in [*BIN_EDGES[1:], math.inf]],
        "flags": flags,
    }


def _latest_rows(activations: torch.Tensor, modules: int) -> list[list[float]]:
    """Each module's numbers in the last column where it ran."""
    if activations.shape[0] == 0:
        return [[math.nan] * len(ACTIVATION_FIELDS)] * modules
    ran = ~torch.isnan(activations[:, :, 0])
    last = torch.where(ran.any(0), ran.shape[0] - 1 - ran.flip(0).int().argmax(0), ran.shape[0] - 1)
    return activations[last, torch.arange(modules)].tolist()


def _heatmaps(history: History, selected: int) -> dict[str, Any]:
    if history.count == 0 or not 0 <= selected < history.histograms().shape[1]:
        return {}
    counts = history.histograms()[:, selected]  # [columns, 2, bins]
    group = -(-history.count // HEATMAP_COLUMNS)
    if group > 1:
        padded = torch.zeros(group * -(-history.count // group), *counts.shape[1:])
        padded[: history.count] = counts
        counts = padded.reshape(-1, group, *counts.shape[1:]).sum(1)
    totals = counts.sum(-1, keepdim=True).clamp_min(1)
    scaled = (counts / totals * 255).round().to(torch.uint8)
    return {
        "columns": counts.shape[0],
        "steps_per_column": history.steps_per_column * group,
        "activations": _raw(scaled[:, 0]),
        "gradients": _raw(scaled[:, 1]),
        "has_gradients": bool(counts[:, 1].sum() > 0),
    }


def _columns(series: torch.Tensor, columns: int) -> torch.Tensor:
    """[rows, n] averaged down to [rows, columns] (NaN where a bucket holds only NaN): each
    bucket's values added in their order, in a few operations for all of them (a ``nanmean``
    per bucket cost ~2.5 ms a publish at 200 columns)."""
    n = series.shape[1]
    if n <= columns:
        return series
    edges = torch.linspace(0, n, columns + 1).long()
    bucket = torch.repeat_interleave(torch.arange(columns), edges[1:] - edges[:-1])
    by_column = series.T  # each column's values side by side: one row added per column
    missing = by_column.isnan()
    sums = by_column.new_zeros(columns, by_column.shape[1]).index_add_(0, bucket, by_column.masked_fill(missing, 0))
    present = missing.logical_not().to(by_column.dtype)
    counts = by_column.new_zeros(columns, by_column.shape[1]).index_add_(0, bucket, present)
    return (sums / counts).T


def _bytes(values: torch.Tensor) -> bytes:
    """The values' float32 bytes (little-endian, as every platform torch runs on)."""
    return _raw(values.to("cpu", torch.float32))


def _raw(values: torch.Tensor) -> bytes:
    flat = values.contiguous().reshape(-1)
    return ctypes.string_at(flat.data_ptr(), flat.numel() * flat.element_size())
