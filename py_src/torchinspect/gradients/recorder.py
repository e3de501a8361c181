"""Recording the gradients that pass every node of one autograd graph during backward.

``GradientRecorder(tensor)`` arms the graph behind ``tensor``: one hook per node
(``node.register_hook``), which measures the gradients arriving at the node and leaving it
into the pass's record (``backward_pass``) and returns None, so no gradient ever changes. Only graphs that
an inspector shows carry hooks; every other graph costs nothing.

What is held, and what is not: a hook holds the recorder through a weak reference and
knows its node only by its position in the walk (``graph.walk``), whose ids are the
graph snapshot's (``n<position>``). Nothing here holds a node (a node keeps its whole
graph alive) or a gradient; a hook handle holds its node's hook dict weakly, so an armed
graph is freed when the user drops it, hooks and all.

When the hooks go: the first hook of a backward pass queues a callback that runs when the
pass ends. It keeps the pass (if it ran the inspected tensor's own node) and removes every
hook, unless the graph can run backward again: a pass with ``retain_graph=True`` (which
``create_graph=True`` implies) leaves its saved tensors, and the next pass is recorded too.
A pass that raises never reaches its end: the main thread taking the record after the
cell closes it as incomplete, then removes the hooks unless the graph kept its saved
tensors. Closing the recorder, or its collection, removes them all; a graph
that backward already freed is never armed.

Threads: on CUDA the hooks run on autograd's device threads, and user threads may run
backward through one graph at once: each graph task has its own pass, counted once. Hooks
only store numbers; the main thread takes the record (``take_record``) and publishes it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

import torch
from torch.autograd.graph import Node
from torch.utils.hooks import RemovableHandle

from torchinspect.gradients.backward_pass import RecordedPass
from torchinspect.graph.nodes import node_class
from torchinspect.graph.walk import grad_fns, reachable, walk


class GradientRecorder:
    """Records the gradients passing every node of the graph behind one tensor.

    ``take_record()`` returns, once per change, the last pass that ran the tensor's own
    node and how many such passes were recorded. ``close()`` removes every hook. The
    inspector makes the graph's snapshot first, which walks the same nodes and holds a deep
    graph until it can be freed safely (``graph.safety``); arming walks nothing new.
    """

    def __init__(self, tensor: torch.Tensor) -> None:
        if tensor.grad_fn is None:
            raise ValueError(
                "torchinspect: only a tensor made by operations on tensors that require grad has a "
                "backward graph to record (it has a grad_fn); pass such a tensor, such as a loss."
            )
        self._tensor = weakref.ref(tensor)
        self._lock = threading.Lock()
        self._handles: list[RemovableHandle] = []
        # The passes running now, by graph task: threads may run backward through one graph at once.
        self._pending: dict[int, RecordedPass] = {}
        self._latest: RecordedPass | None = None
        self._passes = 0
        self._fresh = False
        self._arm(tensor)
        weakref.finalize(self, _remove_hooks, self._handles)

    @property
    def armed(self) -> bool:
        """Whether the graph carries this recorder's hooks."""
        return bool(self._handles)

    def take_record(self) -> tuple[RecordedPass, int] | None:
        """The last recorded pass and the pass count, if they changed since the last call.

        Call it from the main thread, after the user's code ran: a pass still open then
        raised inside backward, and is closed as incomplete.
        """
        with self._lock:
            stale = sorted(self._pending.values(), key=lambda recorded: recorded.task)
        for recorded in stale:
            self._end_pass(recorded)
        with self._lock:
            if not self._fresh or self._latest is None:
                return None
            self._fresh = False
            return self._latest, self._passes

    def close(self) -> None:
        _remove_hooks(self._handles)

    # --- arming -------------------------------------------------------------------------

    def _arm(self, tensor: torch.Tensor) -> None:
        if tensor.grad_fn is None or not _can_run_backward_again(tensor.grad_fn):
            return  # backward already freed this graph: no pass can run through it again
        nodes, edges = walk(grad_fns([tensor]))
        inputs_with_edges: list[set[int]] = [set() for _ in nodes]
        for _, target, input_nr, _ in edges:
            inputs_with_edges[target].add(input_nr)
        this = weakref.ref(self)
        self._handles.extend(
            node.register_hook(_hook(this, position, frozenset(inputs)))
            for position, (node, inputs) in enumerate(zip(nodes, inputs_with_edges))
        )

    # --- inside backward ----------------------------------------------------------------

    def _pass_of(self, task: int) -> RecordedPass:
        """The pass of this graph task, started (with its end queued) by its first hook."""
        pending = self._pending.get(task)
        if pending is not None:
            return pending  # every hook after the first: one dict read, no lock
        with self._lock:
            pending = self._pending.get(task)
            if pending is not None:
                return pending
            recorded = self._pending[task] = RecordedPass(task)
        torch.autograd.Variable._execution_engine.queue_callback(_end_of(weakref.ref(self), recorded))
        return recorded

    def _end_pass(self, recorded: RecordedPass) -> None:
        """Count a pass that ran the root, once; remove the hooks unless the graph can run again.

        A pass ends when backward reaches its end or, if it raised, when the record is taken.
        Passes may overlap (threads): the latest is the latest graph task, as task ids only grow.
        """
        with self._lock:
            if self._pending.pop(recorded.task, None) is None:
                return  # ended already
            recorded.finish()
            if recorded.ran_root():
                if self._latest is None or recorded.task > self._latest.task:
                    self._latest = recorded
                self._passes += 1
                self._fresh = True
        tensor = self._tensor()
        if tensor is None or tensor.grad_fn is None or not _can_run_backward_again(tensor.grad_fn):
            _remove_hooks(self._handles)


def _hook(recorder: weakref.ref[GradientRecorder], position: int, inputs: frozenset[int]) -> Callable:
    def record_gradients(grad_inputs: tuple, grad_outputs: tuple) -> None:
        live = recorder()
        if live is None:
            return
        try:
            recorded = live._pass_of(torch._C._current_graph_task_id())
        except Exception:  # noqa: BLE001 - the user's backward must never fail for a view
            live.close()
            return
        recorded.record_step(position, inputs, grad_inputs, grad_outputs)

    return record_gradients


def _end_of(recorder: weakref.ref[GradientRecorder], recorded: RecordedPass) -> Callable[[], None]:
    def end_pass() -> None:
        live = recorder()
        if live is None:
            return
        recorded.complete = True
        try:
            live._end_pass(recorded)
        except Exception:  # noqa: BLE001 - a failure here must not fail the user's backward
            _remove_hooks(live._handles)

    return end_pass


def _remove_hooks(handles: list[RemovableHandle]) -> None:
    while handles:
        handles.pop().remove()


# --- can the graph run backward again? ------------------------------------------------------


def _can_run_backward_again(root: Node) -> bool:
    """False once backward freed the saved tensors of the graph (no ``retain_graph``).

    Looks at the nodes breadth-first from the root until one answers: a saved tensor
    present says yes, a freed one no. A graph that saved no tensor can always run again.
    """
    for node in reachable([root]):
        answer = _saved_tensors_kept(node)
        if answer is not None:
            return answer
    return True


def _saved_tensors_kept(node: Node) -> bool | None:
    """True if the node still holds a saved tensor, False if backward freed them, else None."""
    for _, raw_attribute, attribute in node_class(type(node)).saved_tensors:
        raws = getattr(node, raw_attribute)
        for raw in raws if isinstance(raws, tuple) else (raws,):
            if raw.unpack_hook is not None or raw.data is not None:
                return True
        try:
            getattr(node, attribute)  # raises once freed; never runs an unpack hook here
        except RuntimeError:
            return False
    return None
