"""What every widget of the package shares: the one front-end bundle and its stylesheet, and a
widget whose synced data only the kernel writes.

Its own module so that the tensor inspector (``widget``), the model inspector (``model``) and
the training watch (``watch``) share them without importing one another.
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget

_STATIC = pathlib.Path(__file__).parent / "static"

if not (_STATIC / "widget.js").is_file():
    raise ImportError(
        f"torchinspect: the widget bundle {_STATIC / 'widget.js'} is missing. "
        "Reinstall with `pip install torchinspect`, or in a checkout run `npm run build`."
    )

# The bundle as text, not as a path: anywidget watches a path's file for changes and ties
# every widget to that watch for good, so no inspector would ever be freed.
BUNDLE = (_STATIC / "widget.js").read_text(encoding="utf-8")
STYLE = (_STATIC / "widget.css").read_text(encoding="utf-8")


class KernelOwned(anywidget.AnyWidget):
    """A widget whose synced data the kernel alone writes; the page may set ``_page_writable``.

    Anything else the page sends is refused and the kernel's value sent back, so that no page
    (nor a hostile message) can put into the kernel what the kernel did not make.
    """

    _esm = BUNDLE
    _css = STYLE
    _page_writable: frozenset[str] = frozenset()

    def set_state(self, sync_data: dict[str, Any]) -> None:
        accepted = {key: value for key, value in sync_data.items() if key in self._page_writable}
        refused = [key for key in sync_data if key not in accepted and key in self.keys]
        super().set_state(accepted)
        if refused:
            self.send_state(refused)
