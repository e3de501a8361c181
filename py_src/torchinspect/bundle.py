"""What every widget of the package shares: the one front-end bundle and its stylesheet, a
widget whose synced data only the kernel writes and whose display carries the forms that outlive
the kernel, and the closing of a widget once the page shows no view of it.

Its own module so that the tensor inspector (``widget``), the model inspector (``model``) and
the training watch (``watch``) share them without importing one another.
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget

from torchinspect import live
from torchinspect.protocol import VIEW_EVENT

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

    def _last_picture(self, **_kwargs: Any) -> tuple[dict, dict]:
        """Forms that outlive the kernel (saved notebooks, HTML exports, terminals, hosts without
        widgets), shown beside or instead of the live view; each widget says its own."""
        return {}, {}

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        live.shown(self)
        data, metadata = bundle
        return {**data, **self._last_picture()[0]}, metadata


class ClosesWithItsViews(KernelOwned):
    """A widget that closes once the page shows no view of it.

    Views come and go on the page, each saying so (``VIEW_EVENT``); a cell run again, a cleared
    output or ``clear_output(wait=True)`` replacing it removes its last view. The widget then
    closes, so that ipywidgets keeps no widget that no page shows (a training loop that displays
    one every few steps would grow without end), and displaying it again shows its last picture.
    """

    _views = 0

    def _counted_view(self, message: object) -> bool:
        """Count the view that ``message`` says opened or closed; False if it says nothing of views."""
        if not (isinstance(message, dict) and message.get("kind") == VIEW_EVENT):
            return False
        opened = message.get("open") is True
        self._views = self._views + 1 if opened else max(self._views - 1, 0)
        if not opened and self._views == 0:
            self.close()
        return True

    def close(self) -> None:
        """Stop following the kernel's objects and let ipywidgets forget this widget and its layout."""
        live.untrack(self)
        if self.comm is not None:
            self.layout.close()
        super().close()
        self._repr_mimebundle_ = self._last_picture  # type: ignore[method-assign]
