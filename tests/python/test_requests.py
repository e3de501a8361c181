import gc
import weakref

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchinspect import inspect
from torchinspect.requests import ERROR_REPLY, PREVIEW_REQUEST, answer


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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)
hostile = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"kind": st.sampled_from([PREVIEW_REQUEST, "x"]), "id": json_values, "target": json_values},
        optional={"axes": json_values, "index": json_values},
    ),
)


@settings(max_examples=400, deadline=None)
@given(message=hostile)
def test_any_message_gets_one_reply_and_never_raises(message):
    t = torch.randn(2, 3, 4)
    reply, buffers = answer(message, weakref.ref(t))
    assert reply["kind"] in (PREVIEW_REQUEST, ERROR_REPLY)
    assert len(buffers) == (1 if reply["kind"] == PREVIEW_REQUEST else 0)


def test_the_inspector_answers_through_its_comm(monkeypatch):
    t = torch.arange(24.0).reshape(2, 3, 4)
    widget = inspect(t)
    sent = []
    monkeypatch.setattr(widget, "send", lambda content, buffers=None: sent.append((content, buffers)))
    widget._answer(widget, request(index=[1, None, None]), [])
    (reply, buffers), = sent
    assert torch.equal(decode(reply, buffers), t[1])
