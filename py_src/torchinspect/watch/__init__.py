"""``torchinspect.watch(model, optimizer)``: training followed step by step, in the notebook.

``statistics`` reduces activations and gradients on their device, ``recorder`` holds the hooks
and assembles each step with one host sync, ``history`` keeps a bounded number of step columns,
``flags`` says in words what looks wrong, ``payload`` shapes what the page receives and
``widget`` shows it while the training cell runs.

This package shares its name with the function ``torchinspect.watch``: importing one of its
modules binds the package to ``torchinspect.watch``, so the package itself can be called, and
calling it is calling ``torchinspect.watch.widget.watch``.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from torchinspect.watch.widget import watch

        return watch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
