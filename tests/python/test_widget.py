import gc
import json
import weakref

import pytest
import torch

import torchinspect
from torchinspect import Inspector, inspect
from torchinspect.tensor.snapshot import MIME_TYPE, jsonable


def test_inspect_returns_a_widget_holding_the_snapshot():
    x = torch.randn(20, requires_grad=True)
    widget = inspect(x, name="x")
    assert isinstance(widget, Inspector)
    assert widget.snapshot == torchinspect.snapshot(x, name="x")


def test_display_bundle_carries_static_forms_beside_the_live_widget():
    widget = inspect(torch.ones(2, 2), name="A")
    data, _metadata = widget._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    assert data["text/plain"] == "A: tensor[2, 2] float32 cpu all=1"
    assert "A: tensor[2, 2] float32 cpu all=1" in data["text/html"]
    assert data[MIME_TYPE] == jsonable(widget.snapshot)
    json.dumps(data)


def test_a_saved_output_carries_the_graph_and_its_gradients_within_a_bound(monkeypatch):
    from torchinspect import widget as widget_module
    from torchinspect.gradients.report import MIME_TYPE as GRADIENTS_MIME_TYPE
    from torchinspect.graph.snapshot import MIME_TYPE as GRAPH_MIME_TYPE

    x = torch.randn(5, requires_grad=True)
    y = (x * 2).sum()
    leaf = inspect(x, name="x")._repr_mimebundle_()[0]
    assert GRAPH_MIME_TYPE not in leaf and GRADIENTS_MIME_TYPE not in leaf  # a leaf has no graph

    widget = inspect(y, name="y")
    y.backward()
    widget.refresh()
    data = widget._repr_mimebundle_()[0]
    assert data[GRAPH_MIME_TYPE] == json.loads(json.dumps(widget.graph))
    assert [node["op"] for node in data[GRAPH_MIME_TYPE]["nodes"]] == [None, "SumBackward0", "MulBackward0", "AccumulateGrad"]
    assert data[GRADIENTS_MIME_TYPE]["schema"] == "torchinspect.gradients/1"
    graph_size = len(json.dumps(data[GRAPH_MIME_TYPE]))
    # Past the bound, the gradients go first, then the graph: a notebook keeps every output.
    monkeypatch.setattr(widget_module, "SAVED_GRAPH_CHARACTERS", graph_size + 10)
    data = widget._repr_mimebundle_()[0]
    assert GRAPH_MIME_TYPE in data and GRADIENTS_MIME_TYPE not in data
    monkeypatch.setattr(widget_module, "SAVED_GRAPH_CHARACTERS", graph_size - 10)
    data = widget._repr_mimebundle_()[0]
    assert GRAPH_MIME_TYPE not in data and data[MIME_TYPE] == jsonable(widget.snapshot)


def test_a_saved_comparison_carries_the_comparison():
    from torchinspect.widget import COMPARISON_MIME_TYPE

    shown = torchinspect.compare(torch.ones(3), torch.zeros(3))
    data = shown._repr_mimebundle_()[0]
    assert data[COMPARISON_MIME_TYPE] == jsonable(shown.comparison)
    assert data[COMPARISON_MIME_TYPE]["actual"]["summary"].startswith("actual: tensor[3]")
    json.dumps(data, allow_nan=False)


def test_inspector_keeps_no_reference_to_the_tensor():
    x = torch.randn(10_000, requires_grad=True)
    widget = inspect(x)
    alive = weakref.ref(x)
    del x
    gc.collect()
    assert alive() is None
    assert widget.snapshot["shape"] == [10_000]


def test_inspect_leaves_requires_grad_and_grad_alone():
    x = torch.randn(3, requires_grad=True)
    (x * x).sum().backward()
    grad = x.grad
    inspect(x)
    assert x.requires_grad
    assert x.grad is grad


@pytest.mark.parametrize("bad", [3, 2.5, None, "x", {"a": 1}])
def test_inspect_of_a_non_tensor_says_what_it_accepts(bad):
    with pytest.raises(TypeError) as info:
        inspect(bad)
    message = str(info.value)
    assert message.startswith("torchinspect.inspect() takes a torch.Tensor")
    assert type(bad).__name__ in message


def test_inspect_of_an_int_suggests_torch_tensor():
    with pytest.raises(TypeError, match=r"inspect\(torch\.tensor\(value\)\)"):
        inspect(3)


def test_widget_bundle_and_style_are_shipped():
    assert "render" in str(Inspector._esm)
    assert ".torchinspect-summary" in str(Inspector._css)


def test_previews_travel_to_the_page_as_binary_buffers():
    from ipywidgets.widgets.widget import _remove_buffers

    x = torch.randn(4, 5, requires_grad=True)
    (x * x).sum().backward()
    _state, paths, buffers = _remove_buffers(inspect(x).get_state())
    assert ["snapshot", "preview", "data"] in paths
    assert ["snapshot", "grad", "preview", "data"] in paths
    assert all(len(buffer) == 4 * 20 for buffer in buffers)


def test_an_inspector_of_a_result_carries_the_graph_it_came_from():
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    y = 0.5 * torch.dot(x, torch.matmul(A, x))
    widget = inspect(y, name="y", params={"x": x})
    graph = widget.graph
    assert graph["schema"] == "torchinspect.graph/1"
    assert [node["op"] for node in graph["nodes"] if node["kind"] == "op"] == ["MulBackward0", "DotBackward0", "MvBackward0"]
    assert [node["name"] for node in graph["nodes"] if node["kind"] == "leaf"] == ["x"]
    json.dumps(graph)


def test_a_leaf_has_no_graph():
    assert inspect(torch.zeros(2, requires_grad=True)).graph == {}


def page_sends(widget, state: dict) -> None:
    """A state update from the page, as ipywidgets' comm delivers it."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []})


def test_the_page_cannot_overwrite_what_the_kernel_owns():
    widget = inspect(torch.ones(3), name="x")
    before = widget.snapshot
    sent = []
    widget.comm.send = lambda data, *args, **kwargs: sent.append(data)
    page_sends(widget, {"snapshot": {"summary": "forged"}, "graph": {"nodes": "forged"}, "paused": True})
    assert widget.snapshot == before and widget.graph == {}
    assert widget.paused is True
    assert widget._repr_mimebundle_()[0]["text/plain"] == before["summary"]
    restored = [message["state"] for message in sent if message.get("method") == "update"]
    assert restored and {"snapshot", "graph"} <= set(restored[-1])


def test_a_comparison_accepts_nothing_from_the_page():
    widget = torchinspect.compare(torch.ones(2), torch.ones(2))
    before = widget.comparison
    page_sends(widget, {"comparison": {}})
    assert widget.comparison == before


def test_an_inspector_whose_last_view_went_is_closed_and_freed():
    from ipywidgets.widgets.widget import _instances

    t = torch.ones(3)
    before = len(_instances)
    freed = []
    for _ in range(20):  # a loop that replaces its displayed inspector, as clear_output(wait=True) does
        widget = inspect(t, name="t")
        widget._answer(widget, {"kind": "torchinspect:view", "open": True}, [])
        widget._answer(widget, {"kind": "torchinspect:view", "open": True}, [])  # a second view of it
        widget._answer(widget, {"kind": "torchinspect:view", "open": False}, [])
        assert widget.comm is not None
        widget._answer(widget, {"kind": "torchinspect:view", "open": False}, [])
        freed.append(weakref.ref(widget))
    assert len(_instances) == before  # the inspector and its layout
    assert widget._repr_mimebundle_()[0]["text/plain"] == "t: tensor[3] float32 cpu all=1"
    del widget
    gc.collect()
    assert [ref() for ref in freed] == [None] * 20


def test_a_graph_walked_again_at_a_refresh_keeps_the_names_the_inspector_was_given():
    """A new grad_fn (an in-place op) is walked again with the params of inspect(), as the first
    graph and the parts the page asks for are: the leaf keeps its name."""
    w = torch.ones(3, requires_grad=True)
    y = w * 2
    widget = torchinspect.inspect(y, params={"weight": w})
    y.mul_(3)
    widget.refresh()
    names = {node["name"] for node in widget.graph["nodes"] if node["kind"] == "leaf"}
    assert names == {"weight"}
    widget.close()
