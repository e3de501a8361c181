"""A tensor of thousands of dimensions (torch allows tens of thousands of size 1) reaches the page
with its shapes cut to a few sizes and a count (long_shapes.py), whatever their number: one of
60,001 dimensions made its graph 541 KB and its snapshot 901 KB. The Python API keeps them all."""

import json
import pathlib

import jsonschema
import pytest
import torch
from jupyter_client.session import json_packer

import torchinspect
from test_graph_wire import sent_bytes
from torchinspect import autograd_graph, compare, inspect
from torchinspect.graph.long_texts import short_text
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES
from torchinspect.tensor.long_shapes import KEPT_DIMS, SENT_DIMS
from torchinspect.tensor.snapshot import jsonable

SCHEMAS = pathlib.Path(torchinspect.__file__).parent / "schema"
GRAPH_SCHEMA = json.loads((SCHEMAS / "graph-1.json").read_text())
TENSOR_SCHEMA = json.loads((SCHEMAS / "tensor-1.json").read_text())


def many_dims(ndim: int) -> list[int]:
    """``[1, 1, …, 1, 3]``, ``ndim`` long: every size but the last is 1, as a real tensor of that many must be."""
    return [1] * (ndim - 1) + [3]


def cut_of(shape: list[int]) -> dict:
    return {"length": len(shape), "head": shape[:KEPT_DIMS], "tail": shape[-KEPT_DIMS:]}


def test_the_graph_of_a_tensor_of_thousands_of_dimensions_sends_each_shape_cut_and_keeps_it_whole_in_the_api():
    sizes = {}
    for ndim in (SENT_DIMS + 1_000, SENT_DIMS + 3_000):
        shape = many_dims(ndim)
        x = torch.randn(shape, requires_grad=True)
        w = torch.randn(shape, requires_grad=True)
        y = x * w  # MulBackward0 saves both: two saved shapes beside the root's and leaves'
        widget = inspect(y, params={"x": x, "w": w})
        sizes[ndim] = sent_bytes(widget)
        sent = widget.graph
        jsonschema.validate(sent, GRAPH_SCHEMA)
        tensors = [node["tensor"] for node in sent["nodes"] if node["tensor"] is not None]
        saved = [item for node in sent["nodes"] for item in node["saved_tensors"].values()]
        assert len(tensors) == 3 and len(saved) == 2
        assert all(item["shape"] == cut_of(shape) for item in [*tensors, *saved])
        whole = autograd_graph(y)
        assert {len(node["tensor"]["shape"]) for node in whole["nodes"] if node["tensor"] is not None} == {ndim}
    (fewer, more) = sizes.values()
    assert fewer == more <= 3_000  # as many bytes for 3,000 more dimensions (the old: 4 KB a shape)


def test_the_snapshot_of_a_tensor_of_thousands_of_dimensions_names_its_cut_shape_and_stays_small():
    sizes = []
    for ndim in (SENT_DIMS + 1_000, SENT_DIMS + 3_000):
        shape = many_dims(ndim)
        x = torch.randn(shape, requires_grad=True)
        (x * 2).sum().backward()
        widget = inspect(x, name="x")
        sent = widget.snapshot
        jsonschema.validate(jsonable(sent), TENSOR_SCHEMA)
        assert sent["shape"] == sent["grad"]["shape"] == cut_of(shape) and sent["strides"] == cut_of(list(x.stride()))
        assert sent["summary"].startswith(
            f"x: tensor[1, 1, 1, 1, 1, 1, 1, 1, …, 1, 1, 1, 1, 1, 1, 1, 3] ({ndim:,} dims) float32"
        )
        assert f"grad=tensor[1, 1, 1, 1, 1, 1, 1, 1, …, 1, 1, 1, 1, 1, 1, 1, 3] ({ndim:,} dims)" in sent["summary"]
        assert sent["preview"] is None and "t.squeeze()" in sent["not_computed"]["preview"]
        assert sent["statistics"]["count"] == 3  # what needs no slicing is still there
        sizes.append(sent_bytes(widget, "snapshot"))
        assert len(json_packer(widget._repr_mimebundle_()[0])) <= FIRST_PAYLOAD_BYTES
        assert torchinspect.snapshot(x)["shape"] == shape
    assert abs(sizes[0] - sizes[1]) <= 16 and max(sizes) <= 4_000  # a few digits apart: random values


def test_a_short_view_of_a_tensor_of_thousands_of_dimensions_sends_its_base_shape_cut():
    shape = many_dims(SENT_DIMS + 1)
    base = torch.randn(shape)
    sent = inspect(base.squeeze()).snapshot
    assert sent["shape"] == [3] and sent["base"]["shape"] == cut_of(shape)
    assert sent["preview"] is not None  # the view itself is sliced as any other


def test_a_tensor_of_as_many_dimensions_as_the_page_lists_is_sent_whole():
    shape = many_dims(SENT_DIMS)
    x = torch.randn(shape, requires_grad=True)
    widget = inspect(x * 2)
    assert widget.snapshot["shape"] == shape and widget.snapshot["preview"] is not None
    assert widget.graph["nodes"][0]["tensor"]["shape"] == shape


def test_compare_shortens_names_of_100_000_characters_and_refuses_what_is_not_two_names():
    names = ("model.encoder." * 7_000 + "actual", "reference." * 10_000 + "expected")
    widget = compare(torch.ones(3), torch.ones(3) * 2, names=names)
    shown = widget.comparison
    assert shown["actual"]["name"] == short_text(names[0]) and shown["actual"]["name"].endswith("encoder.actual")
    assert shown["expected"]["name"] == short_text(names[1])
    assert len(shown["difference"]["name"]) <= len(short_text(names[0]))
    assert len(json_packer(jsonable(shown))) <= 16_000  # was 403 KB
    assert len(json_packer(widget._repr_mimebundle_()[0])) <= FIRST_PAYLOAD_BYTES
    for bad in ("ab", ("a",), ("a", 2)):
        with pytest.raises(TypeError, match="^torchinspect: names must be two strings"):
            compare(torch.ones(3), torch.ones(3), names=bad)


def test_the_gradients_recorded_through_a_tensor_of_thousands_of_dimensions_reach_the_page_with_their_shapes_cut():
    shape = many_dims(SENT_DIMS + 1_000)
    x = torch.randn(shape, requires_grad=True)
    y = (x * 2).sum()
    widget = inspect(y)
    y.backward()
    widget.refresh()
    sent = widget.gradients
    jsonschema.validate(sent, json.loads((SCHEMAS / "gradients-1.json").read_text()))
    entries = [entry for record in sent["nodes"].values() for entry in record["leaving"] + record["arriving"]]
    shapes = [entry["shape"] for entry in entries if entry is not None]
    assert cut_of(shape) in shapes and all(sent_shape in ([], cut_of(shape)) for sent_shape in shapes)
    assert sent_bytes(widget, "gradients") <= 4_000  # 6 KB a gradient's shape before, 721 KB at 60,001 dimensions


def test_inspect_model_sends_a_parameter_of_thousands_of_dimensions_with_its_shape_cut():
    from torchinspect.model.widget import inspect_model

    shape = many_dims(SENT_DIMS + 1_000)
    model = torch.nn.Module()
    model.weight = torch.nn.Parameter(torch.randn(shape))
    model.register_buffer("scale", torch.ones(shape))
    widget = inspect_model(model)
    schema = json.loads((SCHEMAS / "model-1.json").read_text())
    jsonschema.validate(jsonable(widget.model), schema)
    assert widget.model["parameters"][0]["shape"] == widget.model["buffers"][0]["shape"] == cut_of(shape)
    assert len(json_packer(jsonable(widget.model))) <= 4_000
    widget.selected = "weight"
    assert widget.parameter["shape"] == cut_of(shape)
