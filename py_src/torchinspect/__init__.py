"""torchinspect: a tensor inspector for PyTorch in notebooks.

``inspect(t)`` shows what a tensor is, what is in it and where it came from;
``summary(t)`` says it in one line; ``snapshot(t)`` returns it as plain data.

The public names are imported on first use, so that the Jupyter server can load
this package (to find its JupyterLab extension) without importing torch.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import TYPE_CHECKING, Any

__version__ = importlib.metadata.version("torchinspect")

__all__ = [
    "autograd_graph",
    "compare",
    "Comparison",
    "inspect",
    "Inspector",
    "record_modules",
    "snapshot",
    "summary",
    "to_json",
    "export_html",
    "install_repr",
    "find_nan",
    "nan_guard",
    "NanReport",
    "NonFiniteError",
    "watch",
    "Watch",
]

_PUBLIC_NAMES = {
    "autograd_graph": "torchinspect.graph.snapshot",
    "export_html": "torchinspect.export",
    "install_repr": "torchinspect.tensor.repr",
    "Comparison": "torchinspect.widget",
    "Inspector": "torchinspect.widget",
    "compare": "torchinspect.widget",
    "inspect": "torchinspect.widget",
    "record_modules": "torchinspect.graph.modules",
    "snapshot": "torchinspect.tensor.snapshot",
    "to_json": "torchinspect.tensor.snapshot",
    "watch": "torchinspect.training.widget",
    "Watch": "torchinspect.training.widget",
    "summary": "torchinspect.tensor.snapshot",
    "find_nan": "torchinspect.nan.search",
    "nan_guard": "torchinspect.nan.guard",
    "NanReport": "torchinspect.nan.report",
    "NonFiniteError": "torchinspect.nan.guard",
}

if TYPE_CHECKING:
    from torchinspect.export import export_html
    from torchinspect.graph.modules import record_modules
    from torchinspect.graph.snapshot import autograd_graph
    from torchinspect.nan.guard import NonFiniteError, nan_guard
    from torchinspect.nan.report import NanReport
    from torchinspect.nan.search import find_nan
    from torchinspect.tensor.repr import install_repr
    from torchinspect.tensor.snapshot import snapshot, summary, to_json
    from torchinspect.training.widget import Watch, watch
    from torchinspect.widget import Comparison, Inspector, compare, inspect


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC_NAMES:
        raise AttributeError(f"module 'torchinspect' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where Jupyter finds the prebuilt JupyterLab extension in this package."""
    return [{"src": "labextension", "dest": "torchinspect"}]
