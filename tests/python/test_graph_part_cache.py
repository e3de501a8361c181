"""The graph parts a page asks for one after another are cut from one walk of the graph, walked
again where the graph changed: an in-place write made a new graph, or a backward pass released
what its nodes saved."""

import torch

import torchinspect.graph.wire
from test_graph_wire import ask
from torchinspect import inspect
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.wire import GraphCuts


def chain(steps: int = 2_000) -> torch.Tensor:
    h = torch.zeros(4, requires_grad=True)
    for _ in range(steps):
        h = torch.tanh(h * 2 + 1)
    return h


def inspected_chain() -> tuple[torch.Tensor, object, str]:
    """A chain, its inspector, and the first node of the repeat its page shows folded."""
    h = chain()
    widget = inspect(h)
    (repeat,) = widget.graph["folding"]["repeats"]
    return h, widget, repeat["units"][0][0]


def counting_walks(monkeypatch) -> list[int]:
    walks: list[int] = []

    def walk(*roots, params=None):
        walks.append(1)
        return graph_for_view(*roots, params=params)

    monkeypatch.setattr(torchinspect.graph.wire, "graph_for_view", walk)
    return walks


def test_parts_asked_one_after_another_are_cut_from_one_walk_equal_to_a_new_one(monkeypatch):
    h, widget, first = inspected_chain()
    walks = counting_walks(monkeypatch)
    parts = [
        ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[low, low + 16])["part"] for low in (1, 17)
    ]
    assert len(walks) == 1
    whole = graph_for_view(h)
    fresh = torchinspect.graph.wire.graph_part(whole, GraphCuts(), first, 2_000, [1, 1999], [17, 33])
    assert parts[1] == fresh


def test_a_graph_changed_in_place_is_walked_again(monkeypatch):
    h, widget, first = inspected_chain()
    walks = counting_walks(monkeypatch)
    ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[1, 17])
    h.mul_(2)  # a new node at the root: the graph the parts are cut from is another one
    part = ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[17, 33])["part"]
    assert len(walks) == 2
    assert part == torchinspect.graph.wire.graph_part(graph_for_view(h), GraphCuts(), first, 2_000, [1, 1999], [17, 33])
    assert graph_for_view(h)["nodes"][1]["op"] == "MulBackward0"


def test_a_backward_pass_has_the_next_part_walked_again_as_the_pass_left_the_nodes(monkeypatch):
    h, widget, first = inspected_chain()
    walks = counting_walks(monkeypatch)
    before = ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[1, 17])["part"]
    h.sum().backward()
    widget.refresh()  # as after the cell: the pass is published
    after = ask(widget, repeat=first, count=2_000, stretch=[1, 1999], units=[1, 17])["part"]
    assert len(walks) == 2  # the part before the pass, and the part after it
    after.pop("gradients")  # the pass's records, which come with a part after it
    assert after == torchinspect.graph.wire.graph_part(graph_for_view(h), GraphCuts(), first, 2_000, [1, 1999], [1, 17])
    assert [node["saved_tensors"] for node in after["nodes"]] != [node["saved_tensors"] for node in before["nodes"]]
