"""The built page bundles, read to be inlined in a page (``export_html``, the nbconvert exporter)."""

from __future__ import annotations

import pathlib
import re

_STATIC = pathlib.Path(__file__).parent / "static"


def inline_asset(file: str, element: str) -> str:
    """The text of a built bundle (``page.js``, ``widget.css``), checked safe to inline in ``<element>``."""
    path = _STATIC / file
    if not path.is_file():
        raise FileNotFoundError(
            f"torchinspect: the page bundle {path} is missing. Reinstall with "
            "`pip install torchinspect`, or in a checkout run `npm run build`."
        )
    text = path.read_text(encoding="utf-8")
    # The bundles are ours, but a closing tag inside one would end its element early.
    if re.search(f"</{element}", text, re.IGNORECASE):
        raise ValueError(
            f"torchinspect: {path} contains '</{element}' and cannot be inlined; rebuild it with `npm run build`."
        )
    return text
