"""Wire family: what reaches the page for a graph, against what torchviz hands Graphviz.

For G4, G5, G6 and a 100,000-node chain: the JSON the widget used to send (the view's whole
snapshot), the first payload it sends now (graph/wire.py; the widget's state, which a saved
notebook keeps), and torchviz 0.0.3's make_dot(...).source in the same run, the text a user
of torchviz renders. Beside them, autograd_graph (the public, plain graph) against the
view's snapshot with its memory and folding, and the time the elision takes. After
backward(), the gradients record: whole (what the widget sent before) against what it sends
with the first payload (the sent nodes' records; the rest come with the graph parts), and the
graph sent with it (a graph sent whole whose record would pass the bound is folded then, G4).
Two chains nothing repeats in (graphs.no_repeats) show the spans of forward order that fold
them. Last, a graph part as the page asks for it through the inspector: walking the graph
again for each part (as before), against cutting it from the walk the inspector keeps.
"""

from __future__ import annotations

from graphs import g4, g5, g6, no_repeats
from timing import best_seconds, ms, print_table
from torchinspect import autograd_graph, inspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.safety import release_held_graphs
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES, bounded_with_gradients, first_payload, payload_bytes
from torchinspect.protocol import GRAPH_PART_REQUEST

CASES = {
    "G4": g4,
    "G5": g5,
    "G6": g6,
    "chain 100k": lambda: g5(33_333),
    "no repeats 2k": no_repeats,
    "no repeats 100k": lambda: no_repeats(100_000),
}
PARTS = {"G5": g5, "G6": g6, "no repeats 2k": no_repeats}


def make_dot_bytes(root, params) -> str:
    from torchviz import make_dot

    names = dict(params.named_parameters()) if hasattr(params, "named_parameters") else params
    try:
        return f"{len(make_dot(root, params=names).source.encode()):,} B"
    except RecursionError:
        return "RecursionError"


def run() -> None:
    rows, after_backward = [], []
    for label, build in CASES.items():
        rows.append(row(label, *build()))
        release_held_graphs()  # the graph of this row is gone: let the held nodes go before the next
        if "100k" not in label:
            after_backward.append(gradients_row(label, *build()))
            release_held_graphs()
    parts = []
    for label, build in PARTS.items():
        parts.append(part_row(label, *build()))
        release_held_graphs()
    print_table(
        f"First payload of a graph to the page (bound {FIRST_PAYLOAD_BYTES:,} B) against torchviz 0.0.3's dot source",
        ["graph", "nodes", "whole view snapshot", "first payload", "make_dot source", "autograd_graph",
         "graph_for_view", "first_payload"],
        rows,
    )  # fmt: skip
    print_table(
        "Gradients record after backward() to the page (the same bound)",
        ["graph", "whole record", "graph sent before", "record sent", "graph sent with it", "the two together",
         "bounded_with_gradients"],
        after_backward,
    )  # fmt: skip
    print_table(
        "A graph part asked through the inspector (16 units, or a span's elided ops; an answer brings what fits the bound)",
        ["graph", "walking again each time (before)", "cut from the kept walk (now)", "answer"],
        parts,
    )


def row(label: str, root, params) -> list[str]:
    whole = graph_for_view(root, params=params)
    sent = first_payload(whole)
    budget = 2.0 if label == "chain 100k" else 20.0
    plain = best_seconds(lambda: autograd_graph(root, params=params), repeat=3, budget=budget)
    viewed = best_seconds(lambda: graph_for_view(root, params=params), repeat=3, budget=budget)
    elide = best_seconds(lambda: first_payload(whole), repeat=3, budget=budget)
    return [
        label, f"{len(whole['nodes']):,}", f"{payload_bytes(whole):,} B", f"{payload_bytes(sent):,} B",
        make_dot_bytes(root, params), ms(plain), ms(viewed), ms(elide),
    ]  # fmt: skip


def gradients_row(label: str, root, params) -> list[str]:
    sent_graph = first_payload(graph_for_view(root, params=params))
    recorder = GradientRecorder(root)
    root.backward()
    whole = gradient_report(*recorder.take_record(), sent_graph)
    walked = graph_for_view(root, params=params)  # after the pass, as the inspector walks it again
    _depth, graph, sent = bounded_with_gradients(sent_graph, whole, whole=lambda: walked)
    took = best_seconds(lambda: bounded_with_gradients(sent_graph, whole, whole=lambda: walked), repeat=3, budget=10.0)
    return [
        label, f"{payload_bytes(whole):,} B", f"{payload_bytes(sent_graph):,} B", f"{payload_bytes(sent):,} B",
        f"{payload_bytes(graph):,} B", f"{payload_bytes(graph) + payload_bytes(sent):,} B", ms(took),
    ]  # fmt: skip


def part_row(label: str, root, params) -> list[str]:
    widget = inspect(root, params=params)
    fold = widget.graph["folding"]["repeats"][0]
    low, high = fold["elided"][0]["units"]
    request = {
        "kind": GRAPH_PART_REQUEST, "id": 1, "repeat": fold["units"][0][0], "count": fold["count"],
        "stretch": [low, high], "units": [low, min(high, low + 16)] if fold.get("kind") != "span" else [low, high],
    }  # fmt: skip
    replies = []
    widget.send = lambda content, buffers=None: replies.append(content)

    def walking_again() -> None:
        widget._walked.forget()
        widget._answer(widget, request, [])

    again = best_seconds(walking_again, repeat=3, budget=10.0)
    kept = best_seconds(lambda: widget._answer(widget, request, []), repeat=3, budget=10.0)
    widget.close()
    return [label, ms(again), ms(kept), f"{payload_bytes(replies[-1]):,} B"]
