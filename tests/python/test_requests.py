import gc
import json
import types
import weakref

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchinspect import inspect
from torchinspect import autograd_graph
from torchinspect.protocol import ERROR_REPLY, NODE_TENSOR_REQUEST, PREVIEW_REQUEST
from torchinspect import requests as requests_module
from torchinspect.lab.sidebar import TensorsSidebar
from torchinspect.requests import answer


def request(**fields):
    return {"kind": PREVIEW_REQUEST, "id": 7, "target": "values", **fields}


def decode(reply, buffers):
    return torch.frombuffer(bytearray(buffers[0]), dtype=torch.float32).reshape(reply["preview"]["shape"])


def test_another_slice_is_answered_with_its_values_as_a_binary_buffer():
    t = torch.randn(3, 4, 5)
    reply, buffers = answer(request(axes=[0, 2], index=[None, 2, None]), weakref.ref(t))
    assert reply["kind"] == PREVIEW_REQUEST and reply["id"] == 7
    assert reply["preview"]["index"] == [None, 2, None] and "data" not in reply["preview"]
    assert torch.equal(decode(reply, buffers), t[:, 2, :])


def test_the_grad_can_be_sliced_too():
    x = torch.randn(2, 3, 4, requires_grad=True)
    (x * 3).sum().backward()
    reply, buffers = answer(request(target="grad", index=[1, None, None]), weakref.ref(x))
    assert torch.equal(decode(reply, buffers), torch.full((3, 4), 3.0))


@pytest.mark.parametrize(
    ("message", "says"),
    [
        (request(axes=[0, 0]), "two different axes"),
        (request(index=[None, None, 99]), "out of range"),
        (request(index=[None, None, True]), "must hold integers or null"),
        (request(axes=["0", 1]), "axes must hold integers"),
        (request(target="weights"), "target must be one of"),
        ({**request(), "id": "7"}, "integer id"),
        ({**request(), "kind": "eval", "code": "import os"}, "unknown request kind 'eval'"),
        (request(index=[0] * 65), "at most 64"),
        (request(padding="x" * 5000), "at most 4096 characters"),
        ([1, 2], "a request is an object, got list"),
        (request(target="grad"), "has no grad now"),
    ],
)
def test_bad_requests_get_an_error_reply_that_says_why(message, says):
    t = torch.zeros(3, 4, 5)
    reply, buffers = answer(message, weakref.ref(t))
    assert reply["kind"] == ERROR_REPLY and buffers == []
    assert says in reply["message"]


def test_a_request_for_a_deleted_tensor_says_it_is_gone():
    t = torch.zeros(3, 3)
    ref = weakref.ref(t)
    del t
    gc.collect()
    reply, _ = answer(request(), ref)
    assert reply == {"kind": ERROR_REPLY, "id": 7, "message": "torchinspect: the tensor is gone (deleted in the kernel); inspect it again"}


def node_request(**fields):
    return {"kind": NODE_TENSOR_REQUEST, "id": 9, **fields}


def lesson():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return x, A, 0.5 * torch.dot(x, A @ x)


def node_id(graph, op):
    return next(node["id"] for node in graph["nodes"] if node["op"] == op)


def test_a_leaf_of_the_graph_is_answered_with_its_full_snapshot():
    x, _, y = lesson()
    leaf = node_id(autograd_graph(y), "AccumulateGrad")
    reply, buffers = answer(node_request(node=leaf, op="AccumulateGrad", name="x"), weakref.ref(y))
    assert (reply["kind"], reply["id"], reply["node"], buffers) == (NODE_TENSOR_REQUEST, 9, leaf, [])
    snap = reply["snapshot"]
    assert snap["name"] == "x" and snap["shape"] == [20] and snap["statistics"]["max"] == pytest.approx(x.max().item())
    assert "base64" in snap["preview"]["data"]


def test_a_saved_tensor_is_answered_with_its_values_and_named_after_its_op():
    _, A, y = lesson()
    mv = node_id(autograd_graph(y), "MvBackward0")
    reply, _ = answer(node_request(node=mv, op="MvBackward0", saved="self"), weakref.ref(y))
    snap = reply["snapshot"]
    assert snap["name"] == "MvBackward0.self" and snap["shape"] == [20, 20]
    assert snap["statistics"]["min"] == pytest.approx(A.min().item())


def test_the_root_is_node_t0():
    _, _, y = lesson()
    reply, _ = answer(node_request(node="t0"), weakref.ref(y))
    assert reply["snapshot"]["statistics"]["max"] == pytest.approx(y.item())


def test_a_saved_tensor_packed_by_a_user_hook_is_not_unpacked():
    unpacked = []
    x = torch.randn(3, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t * 1, lambda t: unpacked.append(t) or t):
        y = (x * x).sum()
    mul = node_id(autograd_graph(y), "MulBackward0")
    reply, _ = answer(node_request(node=mul, op="MulBackward0", saved="self"), weakref.ref(y))
    assert reply["kind"] == ERROR_REPLY and "would run your unpack hook" in reply["message"]
    assert unpacked == []


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"node": "n1", "op": "MulBackward0"}, "node n1 is DotBackward0 now, not MulBackward0"),
        ({"node": "n99", "op": "MulBackward0"}, "has no node n99"),
        ({"node": "n1", "op": "DotBackward0"}, "is an op; ask for one of its saved tensors"),
        ({"node": "n1", "op": "DotBackward0", "saved": "weights"}, "saved no tensor 'weights' (it saved: self, tensor)"),
        ({"node": "x[0]", "op": "MulBackward0"}, "node must be a graph node id"),
        ({"node": "n1", "op": "__import__('os')"}, "op must be an autograd node's class name"),
        ({"node": "n1", "op": "DotBackward0", "saved": 3}, "saved must be the name of a saved tensor"),
        ({"node": "n2", "op": "AccumulateGrad", "name": "x\n" + "y" * 300}, "name must be the tensor's name"),
    ],
)
def test_bad_node_requests_say_why(fields, says):
    _, _, y = lesson()
    reply, buffers = answer(node_request(**fields), weakref.ref(y))
    assert reply["kind"] == ERROR_REPLY and buffers == []
    assert says in reply["message"]


def test_a_saved_tensor_freed_by_backward_says_so():
    _, _, y = lesson()
    y.backward()
    reply, _ = answer(node_request(node="n3", op="MvBackward0", saved="self"), weakref.ref(y))
    assert "freed by backward()" in reply["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)
hostile = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"kind": st.sampled_from([PREVIEW_REQUEST, NODE_TENSOR_REQUEST, "x"]), "id": json_values, "target": json_values},
        optional={"axes": json_values, "index": json_values, "node": json_values, "op": json_values, "saved": json_values},
    ),
)


@settings(max_examples=400, deadline=None)
@given(message=hostile)
def test_any_message_gets_one_reply_and_never_raises(message):
    t = (torch.randn(2, 3, 4, requires_grad=True) * 2).sum()
    reply, buffers = answer(message, weakref.ref(t))
    assert reply["kind"] in (PREVIEW_REQUEST, NODE_TENSOR_REQUEST, ERROR_REPLY)
    assert len(buffers) == (1 if reply["kind"] == PREVIEW_REQUEST else 0)


def test_the_inspector_answers_through_its_comm(monkeypatch):
    t = torch.arange(24.0).reshape(2, 3, 4)
    widget = inspect(t)
    sent = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append((content, buffers)))
    widget._answer(widget, request(index=[1, None, None]), [])
    (reply, buffers), = sent
    assert torch.equal(decode(reply, buffers), t[1])


def test_a_lone_surrogate_in_any_field_is_refused_and_the_reply_can_be_sent():
    t = torch.randn(3, requires_grad=True) * 2
    for message in (node_request(node="n0", name="\ud800"), request(target="\udfff"), {"kind": "\ud800", "id": 1}):
        reply, _ = answer(message, weakref.ref(t))
        assert reply["kind"] == ERROR_REPLY and reply["id"] == message["id"]
        json.dumps(reply, ensure_ascii=False).encode("utf-8")
    assert "valid Unicode" in answer(node_request(node="n0", name="\ud800"), weakref.ref(t))[0]["message"]


def test_a_preview_of_a_meta_tensor_says_it_has_no_values():
    meta = torch.empty(3, 3, device="meta")
    reply, _ = answer(request(), weakref.ref(meta))
    assert reply["message"] == "torchinspect: no heatmap to show: a meta tensor has a shape and dtype but no values"


def test_the_inspector_replies_once_even_when_answering_is_interrupted(monkeypatch):
    t = torch.arange(6.0).reshape(2, 3)
    widget = inspect(t)
    sent = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append(content))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(requests_module, "preview", interrupted)
    widget._answer(widget, request(), [])
    assert [reply["message"] for reply in sent] == ["torchinspect: interrupted before the answer was ready; ask again"]


def test_the_sidebar_replies_once_to_a_lone_surrogate_and_to_an_interrupt(monkeypatch):
    x = torch.ones(3)
    sidebar = TensorsSidebar(types.SimpleNamespace(user_ns={"x": x}))
    reply, _ = sidebar.answer({"kind": "torchinspect:snapshot", "id": 3, "name": "\ud800"})
    assert reply["kind"] == ERROR_REPLY and reply["id"] == 3
    json.dumps(reply, ensure_ascii=False).encode("utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sidebar, "_snapshot_reply", interrupted)
    reply, _ = sidebar.answer({"kind": "torchinspect:snapshot", "id": 4, "name": "x"})
    assert reply == {"kind": ERROR_REPLY, "id": 4, "message": "torchinspect: interrupted before the answer was ready; ask again"}
