"""The text of a graph as the page gets it: each string at most TEXT_CHARACTERS long.

A graph's strings come from the user's program, not from torch alone: a parameter's name is a
key of the ``params`` mapping, a module path nests as deep as the model does, and a custom
``torch.autograd.Function``'s class name is its op. One name of 100,000 characters made a
12-node graph's first payload 305 KB, which no folding can cut (the node is sent). So a string
past the bound reaches the page shortened in its middle, with an ellipsis: its head keeps the
module path's start (the folds by module read it), its tail the parameter's own name. The whole
text stays in ``autograd_graph()``'s graph; saved values and metadata are cut where the walk
reads them (``plain_values``). A shape is cut past ``long_shapes.SENT_DIMS`` dimensions alike: a
tensor of 60,001 dimensions made a 3-node graph 541 KB.
"""

from __future__ import annotations

from typing import Any

from torchinspect.tensor.long_shapes import is_long, sent_dims

TEXT_CHARACTERS = 200
"""The longest string of a graph the page gets; the longest name the page may send back in a request."""
FULL_TEXT_CHARACTERS = 60_000
"""The most of a shortened text the page gets back on request (``requests``): at 4 bytes a
character in UTF-8 at worst, within the first payload's bound; ``autograd_graph`` has it all."""
_HEAD = TEXT_CHARACTERS * 2 // 3
_TAIL = TEXT_CHARACTERS - _HEAD - 1


def short_text(text: str) -> str:
    """``text``, or where it is longer than TEXT_CHARACTERS its head and tail around an ellipsis.

    Example:
        >>> short = short_text("layers." * 40 + "weight")
        >>> len(short), short[:14], short[-13:]
        (200, 'layers.layers.', 'layers.weight')
        >>> "…" in short, short_text("layers.0.weight")
        (True, 'layers.0.weight')
    """
    return text if len(text) <= TEXT_CHARACTERS else f"{text[:_HEAD]}…{text[-_TAIL:]}"


def short_texts(graph: dict[str, Any]) -> dict[str, Any]:
    """``graph`` (a view's snapshot, ``graph_for_view``) with every name, op and module path
    shortened (``short_text``), and every shape past ``long_shapes.SENT_DIMS`` dimensions cut
    (``sent_dims``): the same graph where none is long, else a copy of what changed."""
    nodes = [_short_node(node) for node in graph["nodes"]]
    folding = graph.get("folding")
    short_folding = folding if folding is None else _short_folding(folding)
    if short_folding is folding and all(short is node for short, node in zip(nodes, graph["nodes"])):
        return graph
    return {**graph, "nodes": nodes, **({} if short_folding is None else {"folding": short_folding})}


def short_strings(data: Any) -> Any:
    """Plain JSON ``data`` (a widget's trait) with every string in it shortened (``short_text``):
    ``data`` itself where none is long, else a copy of what changed.

    Example:
        >>> rows = [{"path": "block." * 50 + "weight", "class": "Linear"}, {"path": "bias"}]
        >>> short = short_strings(rows)
        >>> len(short[0]["path"]), short[0]["class"], short[1] is rows[1]
        (200, 'Linear', True)
    """
    if isinstance(data, str):
        return short_text(data)
    if isinstance(data, dict):
        items = {key: short_strings(value) for key, value in data.items()}
        return data if all(items[key] is value for key, value in data.items()) else items
    if isinstance(data, list):
        listed = [short_strings(value) for value in data]
        return data if all(short is value for short, value in zip(listed, data)) else listed
    return data


def _is_long(text: object) -> bool:
    return isinstance(text, str) and len(text) > TEXT_CHARACTERS


def _short_node(node: dict[str, Any]) -> dict[str, Any]:
    tensor = _sent_tensor(node["tensor"])
    saved = node["saved_tensors"]
    sent_saved = (
        {name: _sent_saved(item) for name, item in saved.items()}
        if any(map(_has_long_shape, saved.values()))
        else saved
    )
    long_texts = _is_long(node["name"]) or _is_long(node["op"]) or _is_long(node["forward_op"])
    if not long_texts and tensor is node["tensor"] and sent_saved is saved:
        return node
    return {
        **node,
        **{key: short_text(node[key]) for key in ("name", "op", "forward_op") if isinstance(node[key], str)},
        "tensor": tensor,
        "saved_tensors": sent_saved,
    }


def _sent_tensor(tensor: dict[str, Any] | None) -> dict[str, Any] | None:
    """A root's or leaf's tensor with its and its grad's shapes cut past SENT_DIMS (``sent_dims``)."""
    if tensor is None:
        return None
    grad = tensor["grad"]
    long_grad = grad is not None and is_long(grad["shape"])
    if not is_long(tensor["shape"]) and not long_grad:
        return tensor
    sent = {**tensor, "shape": sent_dims(tensor["shape"])}
    if long_grad:
        sent["grad"] = {**grad, "shape": sent_dims(grad["shape"])}
    return sent


def _has_long_shape(saved: dict[str, Any]) -> bool:
    if saved["kind"] == "tensors":
        return any(map(_has_long_shape, saved["items"]))
    return saved["kind"] == "tensor" and is_long(saved["shape"])


def _sent_saved(saved: dict[str, Any]) -> dict[str, Any]:
    if saved["kind"] == "tensors":
        return {**saved, "items": [_sent_saved(item) for item in saved["items"]]}
    return {**saved, "shape": sent_dims(saved["shape"])} if saved["kind"] == "tensor" else saved


def _short_folding(folding: dict[str, Any]) -> dict[str, Any]:
    inferred = folding.get("inferred_modules", {})
    repeats = folding.get("repeats", [])
    long_paths = any(map(_is_long, inferred.values()))
    long_repeats = [repeat for repeat in repeats if _has_long_texts(repeat)]
    if not long_paths and not long_repeats:
        return folding
    short = dict(folding)
    if long_paths:
        short["inferred_modules"] = {node: short_text(path) for node, path in inferred.items()}
    if long_repeats:
        short["repeats"] = [_short_repeat(repeat) if _has_long_texts(repeat) else repeat for repeat in repeats]
    return short


def _has_long_texts(repeat: dict[str, Any]) -> bool:
    return _is_long(repeat["container"]) or _is_long(repeat["label"]) or any(map(_is_long, repeat["pattern"] or ()))


def _short_repeat(repeat: dict[str, Any]) -> dict[str, Any]:
    short = dict(repeat)
    for key in ("container", "label"):
        if isinstance(repeat[key], str):
            short[key] = short_text(repeat[key])
    if repeat["pattern"] is not None:
        short["pattern"] = [short_text(op) for op in repeat["pattern"]]
    return short
