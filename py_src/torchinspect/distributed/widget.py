"""``inspect`` of a DTensor: every rank takes the snapshot together, one rank shows it.

The widget holds the snapshot as it was when the ranks took it, each rank's own block as that
rank snapshot it (``blocks``: the page shows any of them), and the backward graph behind the
tensor as this rank recorded it (global shapes; a long one elided as ``wire.first_payload``
elides it). It answers the page's asks for the units of the graph it elided, which this rank walks
alone, but it does not follow cells nor answer the page's other requests (another slice of the
global tensor, a graph tensor's values, a refresh): those need every rank of the mesh, and only
the rank that renders has a page.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
import torch.distributed as dist
import traitlets

from torchinspect.bundle import ClosesWithItsViews
from torchinspect.distributed.blocks import block_snapshots
from torchinspect.graph.long_texts import short_text
from torchinspect.graph.snapshot import MIME_TYPE as GRAPH_MIME_TYPE
from torchinspect.graph.snapshot import SAVED_GRAPH_CHARACTERS, graph_for_view
from torchinspect.graph.wire import WalkCache, first_payload
from torchinspect.protocol import GRAPH_PART_REQUEST, answer_once, error_reply
from torchinspect.requests import answer
from torchinspect.tensor.long_shapes import sent_snapshot
from torchinspect.tensor.snapshot import MIME_TYPE, jsonable, snapshot, to_json
from torchinspect.tensor.text import static_html

_NO_REQUESTS = (
    "torchinspect: a DTensor's picture is taken by every rank of its mesh together, when each calls "
    "inspect(dtensor) again; the page cannot ask one rank for another slice or a refresh."
)


class ShardedInspector(ClosesWithItsViews):
    """Shows a DTensor's global statistics, preview and layout, as of the call that made it."""

    sharded = traitlets.Bool(True).tag(sync=True)
    """What tells the page to draw this widget without a live bar or requests."""
    snapshot = traitlets.Dict().tag(sync=True)
    graph = traitlets.Dict().tag(sync=True)
    blocks: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    """The snapshots (torchinspect.tensor/1) of the first ranks' own blocks, in mesh order, each
    taken by its rank; empty where they are not gathered (see ``blocks.block_snapshots``)."""

    def __init__(
        self,
        tensor: torch.Tensor,
        snap: dict[str, Any],
        graph: dict[str, Any],
        blocks: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(snapshot=snap, graph=graph, blocks=blocks, **kwargs)
        self._tensor = weakref.ref(tensor)
        self._walked = WalkCache()  # the graph the parts the page asks for are cut from
        self.on_msg(self._answer)

    def close(self) -> None:
        self._walked.forget()
        super().close()

    def _answer(self, _widget: ShardedInspector, message: object, _buffers: list[bytes]) -> None:
        if self._counted_view(message):
            return
        if isinstance(message, dict) and message.get("kind") == GRAPH_PART_REQUEST:
            # This rank's own autograd nodes, walked again: no collective, so no other rank is asked.
            reply, buffers = answer_once(message, lambda: answer(message, self._tensor, walked=self._walked))
            self.send(reply, buffers)
            return
        self.send(error_reply(message, _NO_REQUESTS))

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        saved = {
            "text/plain": self.snapshot["summary"],
            "text/html": static_html(self.snapshot),
            MIME_TYPE: jsonable(self.snapshot),
        }
        graph_text = to_json(self.graph) if self.graph else ""
        if graph_text and len(graph_text) <= SAVED_GRAPH_CHARACTERS:
            saved[GRAPH_MIME_TYPE] = jsonable(self.graph)
        return saved, {}


def inspect_sharded(tensor: torch.Tensor, *, name: str | None, rank: int) -> ShardedInspector | None:
    """Every rank of the mesh calls this; ``rank`` gets the widget and the others None."""
    if isinstance(rank, bool) or not isinstance(rank, int):
        raise TypeError(f"torchinspect: rank names the rank that shows the DTensor, an int such as 0; got {rank!r}.")
    ranks = tensor.device_mesh.mesh.reshape(-1).tolist()  # type: ignore[attr-defined]
    if rank not in ranks:
        raise ValueError(
            f"torchinspect: rank {rank} is not in the DTensor's mesh (ranks {ranks}); name one of them to show it."
        )
    # Shortened as inspect(t, name=...) shortens it, so that the snapshot and the blocks' names stay bounded.
    name = short_text(name) if isinstance(name, str) else name
    snap = sent_snapshot(snapshot(tensor, name=name))
    blocks = block_snapshots(tensor, name=name, rank=rank)
    if dist.get_rank() != rank:
        return None
    # The walk reads this rank's autograd nodes alone: no collective, so the other ranks need not wait.
    # Bounded as every graph the page gets first is; the page asks this rank for what it elides.
    graph = {} if tensor.grad_fn is None else first_payload(graph_for_view(tensor))
    return ShardedInspector(tensor, snap, graph=graph, blocks=blocks or [])
