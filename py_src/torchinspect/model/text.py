"""The model snapshot as text: the tree a terminal, a saved notebook or an HTML export shows."""

from __future__ import annotations

import html
from typing import Any

from torchinspect.model.snapshot import readable_bytes


def tree_lines(snap: dict[str, Any]) -> list[str]:
    """One line per module, indented by depth: path, class, parameter count and bytes.

    Example:
        >>> import torch
        >>> from torchinspect.model.snapshot import model_snapshot
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        >>> print("\\n".join(tree_lines(model_snapshot(model))))
        Sequential  9 parameters  36 B
          0 · Linear(in_features=2, out_features=3, bias=True)  9 parameters  36 B
          1 · ReLU
    """
    lines = []
    for module in snap["modules"]:
        label = module["class"] if not module["path"] else f"{module['path'].rpartition('.')[2]} · {module['class']}"
        if module["extra"] and module["path"]:
            label += f"({module['extra']})"
        counts = ""
        if int(module["parameters"]):
            counts = f"  {int(module['parameters']):,} parameters  {readable_bytes(int(module['bytes']))}"
            if int(module["trainable"]) == 0:
                counts += "  frozen"
        if int(module["buffers"]):
            counts += f"  buffers {readable_bytes(int(module['buffer_bytes']))}"
        lines.append("  " * module["depth"] + label + counts)
    return lines


def static_html(snap: dict[str, Any]) -> str:
    """The summary and the module tree as a small HTML block, for outputs without the widget."""
    tree = html.escape("\n".join(tree_lines(snap)))
    return f'<div class="torchinspect-model-static"><b>{html.escape(snap["summary"])}</b><pre>{tree}</pre></div>'
