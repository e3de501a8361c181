"""The comm target of the Tensors sidebar: it answers each page's comm from the namespace.

The page opens a comm on ``torchinspect:tensors``, is greeted with the protocol version
(``torchinspect:hello``), and asks, each message with a kind and an id (see ``protocol``):

- ``torchinspect:list``: the rows of every tensor in the namespace (see ``listing``);
- ``torchinspect:snapshot`` with a ``name``: that tensor's snapshot and backward graph, its
  previews' bytes as binary buffers (``buffer_paths`` says where they go);
- ``torchinspect:preview`` with a ``name``: another slice of it (see ``torchinspect.requests``),
  its bytes as a binary buffer too;
- ``torchinspect:node-tensor`` with a ``name``: a tensor of its graph, named by ``label``.

Every message gets one reply; a malformed, oversized or unanswerable one gets
``torchinspect:error`` with a message that says why, and the kernel goes on. After each cell,
each open comm is sent what changed since its last listing (``torchinspect:update``), and
nothing when nothing did.

torch is imported only once the user's code has: a kernel that never imports it holds no
tensor, and pays nothing for the sidebar.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass, field
from typing import Any

from torchinspect._kernel import after_each_cell, notebook_shell
from torchinspect.lab.requests import parse_sidebar_request, resolve
from torchinspect.protocol import (
    COMM_TARGET,
    ERROR_REPLY,
    HELLO,
    LIST_REQUEST,
    PROTOCOL,
    SNAPSHOT_REQUEST,
    UPDATE,
    Buffers,
    RequestError,
    answer_once,
    failure,
    split_buffers,
)

MAX_PEERS = 8
"""Pages listening at once (notebooks on this kernel, in open tabs and windows)."""


@dataclass
class _Peer:
    """One page's comm, and the rows it was last sent."""

    comm: Any
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    omitted: int = 0


class TensorsSidebar:
    """Answers the pages' comms from one IPython shell's namespace."""

    def __init__(self, shell: Any) -> None:
        self._shell = shell
        self._peers: dict[str, _Peer] = {}
        self._listing: Any = None

    def open(self, comm: Any, _open_message: dict[str, Any]) -> None:
        """The comm target: greet the page, and answer its messages from now on."""
        from torchinspect import __version__

        if len(self._peers) >= MAX_PEERS:
            # A reloaded page never closes its comm: let the oldest go rather than list for it forever.
            oldest = next(iter(self._peers))
            self._peers.pop(oldest).comm.close()
        peer = _Peer(comm)
        self._peers[comm.comm_id] = peer
        comm.on_msg(lambda message: self._receive(peer, message))
        comm.on_close(lambda _message: self._peers.pop(comm.comm_id, None))
        comm.send({"kind": HELLO, "protocol": PROTOCOL, "version": __version__})

    def after_cell(self, _result: object = None) -> None:
        """Send each open comm what changed in the namespace; nothing when nothing did."""
        if not self._peers:
            return
        try:
            rows, omitted = self._rows()
        except Exception as error:  # noqa: BLE001 - the user's cell must not fail for the sidebar
            self._send_all({"kind": ERROR_REPLY, "id": None, "message": failure("list the tensors", error)})
            return
        from torchinspect.lab.listing import changed_rows

        for peer in list(self._peers.values()):
            changed, removed = changed_rows(peer.sent, rows)
            if changed or removed or omitted != peer.omitted:
                peer.comm.send({"kind": UPDATE, "rows": changed, "removed": removed, "omitted": omitted})
                peer.sent, peer.omitted = rows, omitted

    def answer(self, message: object, peer: _Peer | None = None) -> tuple[dict[str, Any], Buffers]:
        """The reply to one message, and its binary buffers; never raises."""
        return answer_once(message, lambda: self._answer(message, peer))

    def _receive(self, peer: _Peer, message: dict[str, Any]) -> None:
        data = message.get("content", {}).get("data") if isinstance(message, dict) else None
        reply, buffers = self.answer(data, peer)
        peer.comm.send(reply, buffers=buffers)

    def _answer(self, message: object, peer: _Peer | None) -> tuple[dict[str, Any], Buffers]:
        request = parse_sidebar_request(message)
        if request.kind == LIST_REQUEST:
            rows, omitted = self._rows()
            if peer is not None:
                peer.sent, peer.omitted = rows, omitted
            return {"kind": LIST_REQUEST, "id": request.id, "rows": list(rows.values()), "omitted": omitted}, []
        if "torch" not in sys.modules:
            raise RequestError("torchinspect: this kernel has not imported torch, so it holds no tensors")
        name = request.message["name"]
        tensor = resolve(self._shell.user_ns, name)
        if request.kind == SNAPSHOT_REQUEST:
            return self._snapshot_reply(request.id, name, tensor)
        from torchinspect.requests import answer

        # "name" names the inspected tensor here; a graph tensor's own name travels as "label".
        reply, buffers = answer(request.message, weakref.ref(tensor), label_field="label")
        if buffers:
            reply["buffer_paths"] = [["preview", "data"]]
        return reply, buffers

    def _snapshot_reply(self, request_id: int, name: str, tensor: Any) -> tuple[dict[str, Any], Buffers]:
        from torchinspect.graph.snapshot import graph_for_view
        from torchinspect.graph.wire import first_payload
        from torchinspect.tensor.long_shapes import sent_snapshot
        from torchinspect.tensor.snapshot import snapshot

        snap = sent_snapshot(snapshot(tensor, name=name))
        self._remember(tensor, snap)
        graph = {} if tensor.grad_fn is None else first_payload(graph_for_view(tensor))
        content = {"kind": SNAPSHOT_REQUEST, "id": request_id, "name": name, "snapshot": snap, "graph": graph}
        return split_buffers(content)

    def _remember(self, tensor: Any, snap: dict[str, Any]) -> None:
        """The snapshot counted NaN and Inf exactly: the listing need not count them again."""
        listing = self._tensor_listing()
        listing.remember(tensor, snap["statistics"])
        if snap["grad"] is not None:
            listing.remember(tensor.grad, snap["grad"]["statistics"])

    def _rows(self) -> tuple[dict[str, dict[str, Any]], int]:
        if "torch" not in sys.modules:
            return {}, 0
        listing = self._tensor_listing().list(self._shell.user_ns, getattr(self._shell, "user_ns_hidden", None))
        return listing.rows, listing.omitted

    def _tensor_listing(self) -> Any:
        if self._listing is None:
            from torchinspect.lab.listing import TensorListing

            self._listing = TensorListing()
        return self._listing

    def _send_all(self, content: dict[str, Any]) -> None:
        for peer in list(self._peers.values()):
            peer.comm.send(content)


def register(shell: Any = None) -> TensorsSidebar | None:
    """Register the comm target in the running kernel, once; None outside a kernel."""
    global _sidebar
    shell = notebook_shell() if shell is None else shell
    if _sidebar is not None or getattr(shell, "kernel", None) is None:
        return _sidebar
    import comm

    sidebar = TensorsSidebar(shell)
    comm.get_comm_manager().register_target(COMM_TARGET, sidebar.open)
    after_each_cell(sidebar.after_cell, shell)
    _sidebar = sidebar
    return sidebar


_sidebar: TensorsSidebar | None = None
