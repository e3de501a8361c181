"""One backward pass, as recorded: the gradients at each node it ran, in the order it ran them.

Its hooks run inside backward, so measuring is made cheap here: a gradient that leaves one
node usually arrives unchanged at the next, or as a view of the same memory (a reshape, a
transpose), and the values of a block of memory are measured once per pass. A gradient is
known again by its identity, or by the block of memory a dense one fills, and only while
the measured tensor is alive (so the memory is the same) and its version counter, which
views share, says nothing changed it in place. Entries hold plain numbers, never a tensor.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import torch

from torchinspect.gradients.statistics import MAX_VALUES, gradient_entry, same_values
from torchinspect.tensor.values import is_dense

Entry = dict[str, Any]
Step = tuple[int, list[Entry | None], list[Entry | None]]
"""A node's position in the graph walk, the gradients arriving at it and those leaving it."""

Gradients = tuple[torch.Tensor | None, ...]
"""What a node hook gets: the gradients leaving the node (``grad_inputs``), or arriving."""

_Measured = tuple[weakref.ref, int, Entry]


@dataclass
class RecordedPass:
    """The gradients of one backward pass (one autograd graph task), step by step."""

    task: int
    steps: list[Step] = field(default_factory=list)
    complete: bool = False
    """Whether the pass reached its end; one that raised did not."""
    error: str | None = None
    """Why a gradient could not be measured (its entry is null), if one could not."""
    _by_identity: dict[int, _Measured] = field(default_factory=dict, repr=False)
    _by_memory: dict[tuple, _Measured] = field(default_factory=dict, repr=False)

    def record_step(
        self, position: int, inputs: frozenset[int], grad_inputs: Gradients, grad_outputs: Gradients
    ) -> None:
        """Measure what arrived at a node and what left it for the inputs that have an edge."""
        if torch.is_grad_enabled():  # create_graph=True: measuring must add nothing to a graph
            with torch.no_grad():
                self.steps.append(self._measure_step(position, inputs, grad_inputs, grad_outputs))
        else:
            self.steps.append(self._measure_step(position, inputs, grad_inputs, grad_outputs))

    def ran_root(self) -> bool:
        """Whether the pass ran the node at position 0: the inspected tensor's own."""
        return any(position == 0 for position, _, _ in self.steps)

    def finish(self) -> None:
        """Let go of what measuring needed: the weak references to measured gradients."""
        self._by_identity.clear()
        self._by_memory.clear()

    def _measure_step(
        self, position: int, inputs: frozenset[int], grad_inputs: Gradients, grad_outputs: Gradients
    ) -> Step:
        measure = self._measure
        arriving = [measure(gradient) for gradient in grad_outputs]
        leaving = [measure(gradient) if input_nr in inputs else None for input_nr, gradient in enumerate(grad_inputs)]
        return position, arriving, leaving

    def _measure(self, gradient: torch.Tensor | None) -> Entry | None:
        if gradient is None:
            return None
        try:
            return self._measure_once(gradient)
        except Exception as error:  # noqa: BLE001 - the user's backward must never fail for a view
            self.error = self.error or f"{type(error).__name__}: {error}"
            return None

    def _measure_once(self, gradient: torch.Tensor) -> Entry:
        version = gradient._version
        known = self._by_identity.get(id(gradient))
        if known is not None and known[0]() is gradient and known[1] == version:
            return known[2]
        # A small gradient costs less to measure than to find again by its memory.
        memory = _memory_of(gradient) if gradient.numel() > MAX_VALUES else None
        if memory is not None:
            known = self._by_memory.get(memory)
            if known is not None and (measured := known[0]()) is not None and measured._version == known[1]:
                entry = same_values(known[2], gradient)
                self._by_identity[id(gradient)] = (weakref.ref(gradient), version, entry)
                return entry
        entry = gradient_entry(gradient)
        known = (weakref.ref(gradient), version, entry)
        self._by_identity[id(gradient)] = known
        if memory is not None:
            self._by_memory[memory] = known
        return entry


def _memory_of(gradient: torch.Tensor) -> tuple | None:
    """The block of memory a dense gradient fills, as a key; None for any other gradient."""
    if (
        type(gradient) is not torch.Tensor
        or gradient.layout is not torch.strided
        or gradient.is_nested
        or gradient.is_meta
        or not is_dense(gradient)
    ):
        return None
    return gradient.data_ptr(), gradient.numel(), gradient.dtype, gradient.get_device()
