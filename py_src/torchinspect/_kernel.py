"""The IPython shell this process runs in, and the one registry of hooks run after each cell.

Live inspectors refresh after each cell (``live``), deep graphs are released after each cell
while any is held (``graph.safety``), and the sidebar pushes what changed (``lab``): each
registers its hook here, once, and removes it here. Outside IPython (plain Python, marimo)
there is no shell and nothing runs after a cell.

This module imports no torch and no IPython: only a process that already imported IPython
can be inside a shell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

AFTER_CELL = "post_run_cell"
"""The IPython event after each cell; its callbacks take the cell's result."""

CellHook = Callable[[Any], None]

# Each registered hook and the shell it is registered with.
_hooks: dict[CellHook, Any] = {}


def notebook_shell() -> Any:
    """The running IPython shell, or None outside IPython."""
    # Importing IPython here would cost a tenth of a second and start nothing.
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def notebook_namespace() -> Mapping[str, Any] | None:
    """The user namespace of the running IPython shell, or None outside IPython."""
    return getattr(notebook_shell(), "user_ns", None)


class AfterCells:
    """What ``after_each_cell`` returns: ``.remove()`` stops running the hook after cells."""

    def __init__(self, hook: CellHook) -> None:
        self._hook = hook

    def remove(self) -> None:
        """Unregister the hook; safe to call twice."""
        shell = _hooks.pop(self._hook, None)
        if shell is not None:
            shell.events.unregister(AFTER_CELL, self._hook)


def after_each_cell(hook: CellHook, shell: Any = None) -> AfterCells | None:
    """Run ``hook(result)`` after each cell of ``shell`` (the running one if not given).

    A hook already registered stays registered once. Returns the handle that removes it,
    or None where there is no shell, so nothing runs after cells.
    """
    if hook not in _hooks:
        shell = notebook_shell() if shell is None else shell
        if shell is None:
            return None
        shell.events.register(AFTER_CELL, hook)
        _hooks[hook] = shell
    return AfterCells(hook)
