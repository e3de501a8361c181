"""The page asks for a graph node's text it got shortened, and the kernel answers it whole from the
inspected tensor's graph walked again (its first FULL_TEXT_CHARACTERS), or says in words why not."""

import gc

import torch

from torchinspect import autograd_graph, inspect
from torchinspect.graph.long_texts import FULL_TEXT_CHARACTERS, TEXT_CHARACTERS
from torchinspect.protocol import ERROR_REPLY, FULL_TEXT_REQUEST


def ask(widget, **request) -> dict:
    replies = []
    widget.send = lambda content, buffers=None: replies.append(content)
    widget._answer(widget, {"kind": FULL_TEXT_REQUEST, "id": 3, **request}, [])
    (reply,) = replies
    return reply


def test_a_name_and_an_op_sent_shortened_come_back_whole_up_to_the_bound():
    name = "layers." * 20_000 + "weight"  # 140,006 characters
    body = {"forward": staticmethod(lambda ctx, x: x * 2), "backward": staticmethod(lambda ctx, g: g * 2)}
    twice = type("Twice" + "x" * 1_000, (torch.autograd.Function,), body)
    weight = torch.randn(3, requires_grad=True)
    root = twice.apply(weight).sum()
    widget = inspect(root, params={name: weight})
    public = {node["id"]: node for node in autograd_graph(root, params={name: weight})["nodes"]}
    leaf = next(node for node in widget.graph["nodes"] if node["kind"] == "leaf")
    op = next(node for node in widget.graph["nodes"] if (node["op"] or "").startswith("Twicexxx"))
    assert len(leaf["name"]) == len(op["op"]) == TEXT_CHARACTERS
    reply = ask(widget, node=leaf["id"], field="name")
    assert (reply["kind"], reply["id"], reply["node"], reply["field"]) == (FULL_TEXT_REQUEST, 3, leaf["id"], "name")
    assert reply["text"] == public[leaf["id"]]["name"][:FULL_TEXT_CHARACTERS] and reply["length"] == len(name)
    reply = ask(widget, node=op["id"], field="op")
    assert reply["text"] == public[op["id"]]["op"] and reply["length"] == len(public[op["id"]]["op"]) > TEXT_CHARACTERS


def test_what_cannot_be_answered_is_said_in_words():
    weight = torch.randn(3, requires_grad=True)
    root = (weight * 2).sum()
    widget = inspect(root, params={"w": weight})
    for request, words in [
        ({"node": "n0", "field": "saved_tensors"}, "field must be one of"),
        ({"node": "x; import os", "field": "name"}, "node must be a graph node id"),
        ({"node": "n999", "field": "name"}, "the graph has no name at n999 now"),
    ]:
        reply = ask(widget, **request)
        assert (
            reply["kind"] == ERROR_REPLY and reply["message"].startswith("torchinspect: ") and words in reply["message"]
        )
    del root
    gc.collect()
    reply = ask(widget, node="n0", field="op")
    assert reply["kind"] == ERROR_REPLY and "the tensor is gone" in reply["message"]
