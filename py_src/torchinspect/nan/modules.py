"""Which module is running: global forward hooks, installed for one call and removed after.

The hooks keep a stack of ``(path, class name)`` of the modules whose ``forward`` is running,
paths as the outermost running module's ``named_modules()`` gives them. They hold no module:
the paths of a model's modules are read when it starts, and dropped when it ends.
"""

from __future__ import annotations

import weakref
from typing import Any

from torch import nn
from torch.nn.modules import module as torch_module

Running = tuple[str | None, str]
"""A running module: its dotted path (``""`` for the outermost; None if it is not a child
of it) and its class name."""


class ModuleStack:
    """The modules running now, innermost last, and whether a selected one is among them."""

    def __init__(self, selected: frozenset[int] = frozenset()) -> None:
        self.running: list[Running] = []
        self.selected = selected
        self.selected_depth = 0
        self.outermost: weakref.ref[nn.Module] | None = None
        """The latest module that ran outside any other: the model, whose parameters name leaves."""
        self._paths: dict[int, str] = {}
        self._handles: list[Any] = []

    def __enter__(self) -> ModuleStack:
        self._handles = [
            torch_module.register_module_forward_pre_hook(self._enter_module),
            torch_module.register_module_forward_hook(self._leave_module, always_call=True),
        ]
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.running.clear()
        self._paths = {}

    def innermost(self) -> Running | None:
        return self.running[-1] if self.running else None

    def _enter_module(self, module: nn.Module, _args: Any) -> None:
        if not self.running:
            self._paths = {id(inner): path for path, inner in module.named_modules()}
            self.outermost = weakref.ref(module)
        self.running.append((self._paths.get(id(module)), type(module).__name__))
        if id(module) in self.selected:
            self.selected_depth += 1

    def _leave_module(self, module: nn.Module, _args: Any, _output: Any) -> None:
        if self.running:
            self.running.pop()
        if id(module) in self.selected:
            self.selected_depth -= 1
        if not self.running:
            self._paths = {}
