"""The first non-finite output, as the report ``torchinspect.nan/1``: plain data.

Built inside the op that made it, while its tensors are at hand: which op (in backward, the
forward op whose backward ran), what kind of value, where (module and the user's line), the
inputs and the output as tensor snapshots with the first offending element located, and the
sentence that says it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import torch

from torchinspect.graph.naming import NameTable
from torchinspect.graph.nodes import forward_op_name
from torchinspect.nan.explain import reason
from torchinspect.nan.frames import describe
from torchinspect.nan.watch import Found, NonFiniteWatch
from torchinspect.protocol import json_float
from torchinspect.tensor.many_dims import within_torch_dims
from torchinspect.tensor.snapshot import snapshot

SCHEMA = "torchinspect.nan/1"
KIND_WORDS = {"nan": "NaN", "+inf": "+Inf", "-inf": "-Inf"}
# Inputs shown with their snapshots at most (a cat of a hundred tensors shows four).
MAX_INPUTS = 4


def clean_report(checked_ops: int) -> dict[str, Any]:
    """The report when every checked output was finite."""
    sentence = f"no NaN or Inf: {checked_ops:,} ops checked, every output finite"
    return {
        "schema": SCHEMA,
        "found": False,
        "checked_ops": checked_ops,
        "sentence": sentence,
        "sentence_parts": [[sentence, False]],
    }


def found_report(found: Found, watch: NonFiniteWatch, names: NameTable) -> dict[str, Any]:
    """The report of the first non-finite output (called inside its op, under no autograd)."""
    with torch.no_grad():
        output = next(
            tensor
            for tensor in _floating_outputs(found.output)
            if not bool(torch.isfinite(within_torch_dims(tensor)).all())
        )
        index, kind = _first_non_finite(output)
        operands = list(_operands(found))
        culprit = _non_finite_input(found, operands)
        where = _where(found, watch)
        report: dict[str, Any] = {
            "schema": SCHEMA,
            "found": True,
            "checked_ops": watch.checked_ops,
            "source": "op" if culprit is None else "input",
            "kind": kind,
            "index": index,
            "counts": _counts(output),
            **where,
            "inputs": [_input_entry(name, value, output, index, names) for name, value in operands[:MAX_INPUTS]],
            "output": {"snapshot": snapshot(output), "value": _value_at(output, output, index)},
            "input_name": None if culprit is None else _name_of(culprit[1], culprit[0], names),
            "input_named": culprit is not None and _name_of(culprit[1], culprit[0], names) != culprit[0],
            "graph": None,
            "origin_node": None,
        }
        report["reason"] = (
            reason(_reason_op(report), kind, [value for _, value in operands], output) if culprit is None else None
        )
        report["example"] = _example(report)
        report["sentence_parts"] = _sentence(report)
        report["sentence"] = "".join(text for text, _ in report["sentence_parts"])
    return report


def ring_origin(report: dict[str, Any], graph: dict[str, Any], sequence_nr: int | None) -> None:
    """Put the graph in the report, with the id of the node where the value began."""
    report["graph"] = graph
    if sequence_nr is None:
        return
    for node in graph["nodes"]:
        if node.get("sequence_nr") == sequence_nr and node["kind"] == "op":
            report["origin_node"] = node["id"]
            return


def _where(found: Found, watch: NonFiniteWatch) -> dict[str, Any]:
    """Phase, op, module and frame: the op's own in forward, its node's forward op in backward."""
    if found.backward_node is None:
        module, line, op, node_name = found.module, found.line, found.op.name, None
        phase = "forward"
    else:
        created = watch.created_by(found.backward_node)
        node_name = found.backward_node.name()
        op = forward_op_name(node_name) or node_name
        module = None if created is None else created.module
        line = None if created is None else created.line
        phase = "backward"
    return {
        "phase": phase,
        "op": op,
        "backward_op": found.op.name if phase == "backward" else None,
        "node": node_name,
        "sequence_nr": found.sequence_nr,
        "module": None if module is None else module[0],
        "module_class": None if module is None else module[1],
        "frame": describe(line),
    }


def _floating_outputs(output: Any) -> Iterator[torch.Tensor]:
    if isinstance(output, torch.Tensor):
        if output.is_floating_point() or output.is_complex():
            yield output
    elif isinstance(output, (list, tuple)):
        for item in output:
            yield from _floating_outputs(item)


def _first_non_finite(output: torch.Tensor) -> tuple[list[int], str]:
    flat = output.reshape(-1)
    position = int(torch.isfinite(flat).logical_not().to(torch.uint8).argmax())
    value = complex(flat[position].item())
    kind = (
        "nan"
        if math.isnan(value.real) or math.isnan(value.imag)
        else ("+inf" if (value.real or value.imag) > 0 else "-inf")
    )
    return [int(i) for i in torch.unravel_index(torch.tensor(position), output.shape)], kind


def _counts(output: torch.Tensor) -> dict[str, int]:
    real = within_torch_dims(torch.view_as_real(output) if output.is_complex() else output)
    return {
        "nan": int(torch.isnan(real).sum()),
        "+inf": int((real == math.inf).sum()),
        "-inf": int((real == -math.inf).sum()),
    }


def _operands(found: Found) -> Iterator[tuple[str, Any]]:
    """The op's tensor and number arguments by schema name (``self``, ``other``), lists flattened."""
    names = found.op.argument_names
    values = [*found.args, *(found.kwargs.get(name) for name in names[len(found.args) :])]
    for name, value in zip(names, values):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], torch.Tensor):
            yield from ((f"{name}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, torch.Tensor) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            yield name, value


def _non_finite_input(found: Found, operands: list[tuple[str, Any]]) -> tuple[str, torch.Tensor] | None:
    """The first input that was not finite already, if any: then the op is not the origin."""
    mutated = {found.op.argument_names[i] for i in found.op.mutated}
    for name, value in operands:
        if not isinstance(value, torch.Tensor) or not (value.is_floating_point() or value.is_complex()):
            continue
        if name in mutated:
            if not found.mutated_were_finite:
                return name, value
        elif not bool(torch.isfinite(within_torch_dims(value)).all()):
            return name, value
    return None


def _input_entry(name: str, value: Any, output: torch.Tensor, index: list[int], names: NameTable) -> dict[str, Any]:
    if not isinstance(value, torch.Tensor):
        return {"name": name, "label": None, "snapshot": None, "value": json_float(float(value))}
    return {
        "name": name,
        "label": names.get(id(value)),
        "snapshot": snapshot(value, name=names.get(id(value)) or name),
        "value": _value_at(value, output, index),
    }


def _value_at(tensor: torch.Tensor, output: torch.Tensor, index: list[int]) -> float | str | None:
    """The tensor's value at the output's element ``index``, broadcast as an elementwise op
    would; None where the shapes do not broadcast to the output's (a matmul's inputs)."""
    if tensor.is_complex() or not _has_values(tensor):
        return None
    try:
        if torch.broadcast_shapes(tensor.shape, output.shape) != output.shape:
            return None
    except RuntimeError:
        return None
    return json_float(float(tensor.expand(output.shape)[tuple(index)].item()))


def _has_values(tensor: torch.Tensor) -> bool:
    return tensor.layout is torch.strided and not tensor.is_meta


def _name_of(tensor: torch.Tensor, argument: str, names: NameTable) -> str:
    """The culprit input's name: the user's, matched by identity or by the memory a view shares."""
    name = names.get(id(tensor))
    if name is None and tensor._base is not None:
        name = names.get(id(tensor._base))
    return name or argument


def _reason_op(report: dict[str, Any]) -> str:
    return str(report["backward_op"] or report["op"])


def _example(report: dict[str, Any]) -> str | None:
    values = [entry["value"] for entry in report["inputs"]]
    if not values or any(value is None for value in values):
        return None
    return f"{_reason_op(report)}({', '.join(_number(value) for value in values)})"


def _number(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:.4g}"


def _sentence(report: dict[str, Any]) -> list[list[Any]]:
    """The sentence as parts, each ``[text, is_code]``: code parts are the program's names."""
    parts: list[list[Any]] = []
    kind = KIND_WORDS[report["kind"]]
    count = report["counts"][report["kind"]]
    if report["source"] == "input" and report["input_named"]:
        parts += [["the input ", False], [report["input_name"], True], [f" already held {kind} when ", False]]
        return parts + _op_where(report) + [[" read it", False]]
    if report["source"] == "input":
        parts += _op_where(report) + [[f" read {kind} already in its input ", False], [report["input_name"], True]]
        return parts
    others = [f"{n:,} {KIND_WORDS[other]}" for other, n in report["counts"].items() if n and other != report["kind"]]
    made = f"{count:,} {kind}" + "".join(f" and {other}" for other in others)
    parts += _op_where(report)
    parts += [[f" made {made} {report['reason']}", False]]
    if report["example"] is not None:
        parts += [[", e.g. ", False], [report["example"], True]]
    return parts


def _op_where(report: dict[str, Any]) -> list[list[Any]]:
    parts: list[list[Any]] = [[report["op"], True]]
    if report["phase"] == "backward":
        parts += [["'s backward (", False], [report["backward_op"], True], [")", False]]
    if report["module"]:
        parts += [[" in ", False], [report["module"], True], [f" ({report['module_class']})", False]]
    elif report["module_class"]:
        parts += [[" in ", False], [report["module_class"], True]]
    if report["frame"] is not None:
        parts += [[" at ", False], [report["frame"]["where"], True]]
    return parts
