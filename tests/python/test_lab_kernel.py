"""The kernel side of the Tensors sidebar, in a real IPython kernel spoken to over the protocol."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jupyter_client.manager import start_new_kernel

from lab_kernel import SidebarKernel

LESSON = """
import torch
torch.manual_seed(0)
x = torch.randn(20, requires_grad=True)
A = torch.randn(20, 20)
y = 0.5 * torch.dot(x, torch.matmul(A, x))
model = torch.nn.Sequential(torch.nn.Linear(20, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
label = "not a tensor"
"""


def _running_kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield SidebarKernel(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel():
    yield from _running_kernel()


@pytest.fixture
def fresh_kernel():
    """A kernel of the test's own, that ran nothing yet."""
    yield from _running_kernel()


@pytest.fixture(scope="module")
def lesson(kernel):
    """A kernel that ran the lesson's first cells, with the sidebar's comm open."""
    kernel.execute(LESSON)
    greeting = kernel.open_sidebar()
    assert greeting["kind"] == "torchinspect:hello" and greeting["protocol"] == 1
    return kernel


def listing(kernel) -> dict[str, dict]:
    reply, buffers = kernel.request({"kind": "torchinspect:list", "id": 1})
    assert reply["kind"] == "torchinspect:list" and reply["id"] == 1 and buffers == []
    return {row["name"]: row for row in reply["rows"]}


def test_the_silent_import_binds_no_name_in_the_users_namespace(kernel):
    kernel.execute("before = set(get_ipython().user_ns)")
    reply = kernel.execute('__import__("torchinspect.lab")', silent=True)
    assert reply["status"] == "ok"
    new = kernel.output(
        "import sys\n"
        "new = set(get_ipython().user_ns) - before\n"
        "print(sorted(n for n in new if not n.startswith('_i')), 'torchinspect' in get_ipython().user_ns,"
        " get_ipython().user_ns.get('_') is sys.modules.get('torchinspect'))"
    )
    # Only the test's own variables: the import bound neither torchinspect nor _.
    assert new.strip() == "['before', 'sys'] False False"


def test_the_listing_has_the_lessons_tensors_and_the_models_parameters_grouped(lesson):
    rows = listing(lesson)
    assert list(rows) == ["x", "A", "y", "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    assert rows["x"]["shape"] == [20] and rows["x"]["summary"] == "tensor[20] float32 cpu requires_grad leaf grad=None"
    assert rows["A"]["shape"] == [20, 20] and rows["A"]["summary"] == "tensor[20, 20] float32 cpu"
    assert rows["y"]["grad_fn"] == "MulBackward0"
    assert rows["model.0.weight"]["group"] == "model" and rows["model.0.weight"]["group_type"] == "Sequential"
    assert rows["model.0.weight"]["shape"] == [3, 20]
    assert rows["x"]["nonfinite"] == {"nan": 0, "posinf": 0, "neginf": 0}


def test_after_a_cell_only_what_changed_is_pushed(lesson):
    listing(lesson)
    assert lesson.run_cell_and_updates("1 + 1") == []
    (update,) = lesson.run_cell_and_updates("y.backward()")
    assert update["kind"] == "torchinspect:update" and update["removed"] == []
    assert [row["name"] for row in update["rows"]] == ["x"]
    assert update["rows"][0]["grad_shape"] == [20]
    assert update["rows"][0]["summary"].endswith("grad=tensor[20]")
    (update,) = lesson.run_cell_and_updates("del label\nbad = torch.tensor([1.0, float('nan'), float('inf')])")
    assert [row["name"] for row in update["rows"]] == ["bad"]
    assert update["rows"][0]["nonfinite"] == {"nan": 1, "posinf": 1, "neginf": 0}
    (update,) = lesson.run_cell_and_updates("del bad")
    assert update["rows"] == [] and update["removed"] == ["bad"]


def test_a_snapshot_by_name_carries_the_graph_and_its_previews_as_buffers(lesson):
    reply, buffers = lesson.request({"kind": "torchinspect:snapshot", "id": 5, "name": "y"})
    assert reply["kind"] == "torchinspect:snapshot" and reply["id"] == 5 and reply["name"] == "y"
    assert reply["snapshot"]["summary"].startswith("y: tensor[] float32 cpu")
    assert {node["op"] for node in reply["graph"]["nodes"]} >= {"MulBackward0", "DotBackward0", "MvBackward0"}
    reply, buffers = lesson.request({"kind": "torchinspect:snapshot", "id": 6, "name": "A"})
    assert reply["buffer_paths"] == [["snapshot", "preview", "data"]] and reply["graph"] == {}
    values = struct.unpack(f"<{len(buffers[0]) // 4}f", buffers[0])
    expected = lesson.output("print(A.flatten().tolist())")
    assert [round(v, 5) for v in values] == [round(v, 5) for v in eval(expected)]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("model.0.weight", "model.0.weight: tensor[3, 20] float32"),
        ("model.2.bias", "model.2.bias: tensor[1] float32"),
    ],
)
def test_module_parameters_are_found_by_their_dotted_path(lesson, name, says):
    reply, _ = lesson.request({"kind": "torchinspect:snapshot", "id": 7, "name": name})
    assert reply["snapshot"]["summary"].startswith(says)


def test_a_grad_is_found_by_its_name(lesson):
    lesson.execute("y2 = (x * 2).sum()\ny2.backward()")
    reply, _ = lesson.request({"kind": "torchinspect:snapshot", "id": 8, "name": "x.grad"})
    assert reply["snapshot"]["summary"].startswith("x.grad: tensor[20] float32")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "not a name the sidebar can look up"),
        ("x; import os", "not a name the sidebar can look up"),
        ("x.__class__", "only x.grad can follow its name"),
        ("A.grad", "A.grad is None: run backward() first"),
        ("y.grad", "y is not a leaf"),
        ("nothing", "there is no variable 'nothing'"),
        ("torch", "torch is a module (torch), not a tensor or an nn.Module"),
        ("print", "print is a built-in function, not a variable. The inspect command (Alt I)"),
        ("float", "float is a built-in class (float), not a variable"),
        ("lambda", "lambda is a Python keyword, not a variable"),
        ("model", "name one of its parameters, such as model.0.weight"),
        ("model.9.weight", "has no parameter '9.weight'; its parameters are model"),
        ("x" * 300, "at most 256 characters"),
        (7, "names it"),
    ],
)
def test_names_are_looked_up_never_evaluated(lesson, name, says):
    reply, buffers = lesson.request({"kind": "torchinspect:snapshot", "id": 9, "name": name})
    assert reply == {"kind": "torchinspect:error", "id": 9, "message": reply["message"]} and buffers == []
    assert says in reply["message"]


def test_a_name_that_is_not_a_tensor_says_what_it_is_and_what_inspect_takes(lesson):
    lesson.execute("import math\nimport numpy as np\nsteps = 3\nlabel = 'loss'\narray = np.zeros(2)\ndef f(): pass")
    said = {}
    for index, name in enumerate(["steps", "label", "math", "array", "f"]):
        reply, _ = lesson.request({"kind": "torchinspect:snapshot", "id": 20 + index, "name": name})
        said[name] = reply["message"]
    assert said["steps"].startswith("torchinspect: steps is an int (3), not a tensor or an nn.Module.")
    assert said["label"].startswith("torchinspect: label is a str, not a tensor")
    assert said["math"].startswith("torchinspect: math is a module (math), not a tensor")
    assert said["array"].startswith("torchinspect: array is a NumPy array (inspect torch.from_numpy of it)")
    assert said["f"].startswith("torchinspect: f is a function, not a tensor")
    accepted = "take a tensor (x), a module's parameter (model.0.weight), or either followed by .grad."
    assert all(message.endswith(accepted) for message in said.values())


def test_another_slice_of_a_named_tensor_is_answered(lesson):
    lesson.execute("cube = torch.arange(24.0).reshape(2, 3, 4)")
    reply, buffers = lesson.request(
        {"kind": "torchinspect:preview", "id": 11, "name": "cube", "target": "values", "axes": [1, 2], "index": [1, None, None]}
    )
    assert reply["kind"] == "torchinspect:preview" and reply["preview"]["shape"] == [3, 4]
    assert reply["buffer_paths"] == [["preview", "data"]]
    assert list(struct.unpack("<12f", buffers[0])) == [float(v) for v in range(12, 24)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)
names = st.one_of(st.text(max_size=30), st.sampled_from(["x", "model.0.weight", "x.grad", "A.grad", "os.system"]), json_values)
hostile = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["torchinspect:list", "torchinspect:snapshot", "torchinspect:preview", "eval", ""]),
            "id": st.one_of(st.integers(min_value=-5, max_value=2**60), json_values),
        },
        optional={"name": names, "target": json_values, "axes": json_values, "index": json_values, "padding": st.text(min_size=4000, max_size=5000)},
    ),
)
REPLY_KINDS = {"torchinspect:list", "torchinspect:snapshot", "torchinspect:preview", "torchinspect:error"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(message=hostile)
def test_hostile_messages_each_get_one_reply_and_the_kernel_keeps_running(lesson, message):
    reply, _ = lesson.request(message)
    assert reply["kind"] in REPLY_KINDS
    if reply["kind"] == "torchinspect:error":
        assert reply["message"].startswith("torchinspect: ")


def test_after_the_hostile_messages_the_kernel_still_answers(lesson):
    assert listing(lesson)["x"]["shape"] == [20]
    assert lesson.output("print(x.shape)").strip() == "torch.Size([20])"
    reply, _ = lesson.request({"kind": "torchinspect:list", "id": 2}, buffers=[b"unexpected"])
    assert reply["kind"] == "torchinspect:list"


def test_the_sidebar_keeps_no_tensor_alive(lesson):
    lesson.execute("import gc, weakref\ngone = torch.zeros(5)\nwatch = weakref.ref(gone)")
    assert "gone" in listing(lesson)
    lesson.request({"kind": "torchinspect:snapshot", "id": 3, "name": "gone"})
    assert lesson.output("del gone\ngc.collect()\nprint(watch() is None)").strip() == "True"


def test_a_kernel_that_never_imported_torch_does_not_import_it_for_the_sidebar(fresh_kernel):
    fresh_kernel.open_sidebar()
    reply, _ = fresh_kernel.request({"kind": "torchinspect:list", "id": 1})
    assert reply["rows"] == []
    assert fresh_kernel.output("import sys\nprint('torch' in sys.modules)").strip() == "False"


def test_a_page_that_never_closed_its_comm_is_let_go_once_eight_newer_ones_listen(fresh_kernel):
    fresh_kernel.open_sidebar()
    oldest = fresh_kernel.comm_id
    for _ in range(7):
        fresh_kernel.open_sidebar()
    assert fresh_kernel.closed_by_kernel == []
    fresh_kernel.open_sidebar()
    assert fresh_kernel.closed_by_kernel == [oldest]
