"""A real IPython kernel driven over the Jupyter protocol, as the JupyterLab extension drives it.

The helpers send what the extension sends (a silent import, a comm_open on the sidebar's
target, comm messages) and read the kernel's answers off the IOPub channel.
"""

from __future__ import annotations

import queue
import time
import uuid
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient

SILENT_IMPORT = '__import__("torchinspect.lab")'
TARGET = "torchinspect:tensors"
TIMEOUT = 60


class SidebarKernel:
    def __init__(self, client: BlockingKernelClient) -> None:
        self.client = client
        self.comm_id: str | None = None
        self.closed_by_kernel: list[str] = []
        """The comms the kernel closed, as seen while waiting for replies."""
        self._last_sent = ""

    def execute(self, code: str, *, silent: bool = False) -> dict[str, Any]:
        """Run code; return its execute reply's content (after the kernel went idle again)."""
        msg_id = self.client.execute(code, silent=silent, store_history=not silent)
        reply = self.client.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.client.get_shell_msg(timeout=TIMEOUT)
        self._wait_idle(msg_id)
        return reply["content"]

    def output(self, code: str) -> str:
        """What ``code`` printed to stdout."""
        msg_id = self.client.execute(code)
        printed = []
        for message in self._iopub_until_idle(msg_id):
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                raise AssertionError(f"{code!r} failed: {message['content']['evalue']}")
        return "".join(printed)

    def open_sidebar(self) -> dict[str, Any]:
        """Import the kernel side silently and open a comm on its target; return the greeting."""
        reply = self.execute(SILENT_IMPORT, silent=True)
        assert reply["status"] == "ok", reply
        self.comm_id = uuid.uuid4().hex
        self._send("comm_open", {"comm_id": self.comm_id, "target_name": TARGET, "data": {}})
        (greeting,) = self.comm_messages()
        return greeting["data"]

    def request(self, data: Any, buffers: list[bytes] | None = None) -> tuple[dict[str, Any], list[bytes]]:
        """Send one comm message and return the one reply it gets (data, buffers)."""
        msg_id = self._send("comm_msg", {"comm_id": self.comm_id, "data": data}, buffers)
        replies = self.comm_messages(msg_id)
        assert len(replies) == 1, f"{data!r:.200} got {len(replies)} replies"
        return replies[0]["data"], replies[0]["buffers"]

    def comm_messages(self, parent: str | None = None) -> list[dict[str, Any]]:
        """The sidebar comm's messages sent while handling ``parent`` (default: the last request)."""
        parent = parent or self._last_sent
        found = []
        for message in self._iopub_until_idle(parent):
            if message["msg_type"] == "comm_close":
                self.closed_by_kernel.append(message["content"]["comm_id"])
            if message["msg_type"] == "comm_msg" and message["content"]["comm_id"] == self.comm_id:
                found.append({"data": message["content"]["data"], "buffers": [bytes(b) for b in message["buffers"]]})
        return found

    def run_cell_and_updates(self, code: str) -> list[dict[str, Any]]:
        """Run a cell; return what the sidebar pushed after it."""
        msg_id = self.client.execute(code)
        updates = []
        for message in self._iopub_until_idle(msg_id):
            if message["msg_type"] == "error":
                raise AssertionError(f"{code!r} failed: {message['content']['evalue']}")
            if message["msg_type"] == "comm_msg" and message["content"]["comm_id"] == self.comm_id:
                updates.append(message["content"]["data"])
        return updates

    def _send(self, msg_type: str, content: dict[str, Any], buffers: list[bytes] | None = None) -> str:
        message = self.client.session.msg(msg_type, content)
        self.client.session.send(self.client.shell_channel.socket, message, buffers=buffers)
        self._last_sent = message["header"]["msg_id"]
        return self._last_sent

    def _wait_idle(self, parent: str) -> None:
        for _ in self._iopub_until_idle(parent):
            pass

    def _iopub_until_idle(self, parent: str):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if message["parent_header"].get("msg_id") != parent:
                continue
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return
            yield message
        raise AssertionError(f"the kernel did not go idle within {TIMEOUT} s")
