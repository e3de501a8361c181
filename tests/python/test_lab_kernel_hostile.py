"""What the sidebar's comm answers in a real kernel when a message is hostile or answering is
interrupted: one reply each time, and a kernel that keeps running."""

from __future__ import annotations

import json
import time

import pytest
from jupyter_client.jsonutil import json_default
from jupyter_client.manager import start_new_kernel

from lab_kernel import SidebarKernel

DEEP_CHAIN = """
import torch
h = torch.zeros(4, requires_grad=True)
for _ in range(100_000):
    h = h * 1.0001
"""


@pytest.fixture
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    # A page's JSON may escape a lone surrogate ("\\ud800"): send text the way a browser does.
    client.session.pack = lambda content: json.dumps(content, default=json_default, ensure_ascii=True).encode("ascii")
    sidebar = SidebarKernel(client)
    sidebar.execute(DEEP_CHAIN)
    sidebar.open_sidebar()
    try:
        yield manager, sidebar
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_lone_surrogate_gets_one_error_reply_and_the_kernel_answers_on(kernel):
    _, sidebar = kernel
    for message in (
        {"kind": "torchinspect:snapshot", "id": 5, "name": "\ud800"},
        {"kind": "torchinspect:node-tensor", "id": 6, "name": "h", "node": "n1", "label": "\udfff"},
    ):
        reply, _ = sidebar.request(message)
        assert reply["kind"] == "torchinspect:error" and reply["id"] == message["id"]
        assert "valid Unicode" in reply["message"]
    assert sidebar.output("print(h.shape)").strip() == "torch.Size([4])"


def test_an_interrupted_snapshot_request_is_answered_and_the_deep_graph_frees_safely(kernel):
    manager, sidebar = kernel
    sent = sidebar._send("comm_msg", {"comm_id": sidebar.comm_id, "data": {"kind": "torchinspect:snapshot", "id": 7, "name": "h"}})
    time.sleep(0.5)  # the walk of 100,000 nodes is under way
    manager.interrupt_kernel()
    replies = sidebar.comm_messages(sent)
    assert [reply["data"]["id"] for reply in replies] == [7]
    assert replies[0]["data"]["kind"] in ("torchinspect:snapshot", "torchinspect:error")
    sidebar.execute("del h")
    assert sidebar.output("import gc; gc.collect(); print('alive')").strip() == "alive"
