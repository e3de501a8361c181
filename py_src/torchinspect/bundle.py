"""What every widget of the package shares: the one front-end bundle and its stylesheet, a
widget whose synced data only the kernel writes and whose display carries the forms that outlive
the kernel, and the closing of a widget once the page shows no view of it.

Its own module so that the tensor inspector (``widget``), the model inspector (``model``) and
the training watch (``training``) share them without importing one another.
"""

from __future__ import annotations

import pathlib
import weakref
from typing import Any, TypeVar

import anywidget
import traitlets

from torchinspect import live
from torchinspect.protocol import VIEW_EVENT

_STATIC = pathlib.Path(__file__).parent / "static"
_Followed = TypeVar("_Followed")

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
        bundle = self._display_bundle(**kwargs)
        if bundle is not None:
            live.shown(self)
        return bundle

    def _display_bundle(self, **kwargs: Any) -> tuple[dict, dict] | None:
        """The live widget's output with the forms that outlive the kernel beside it."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
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


class FollowsCells(ClosesWithItsViews):
    """A widget that shows an object of the user's program (a tensor, a model) as it is after
    each cell (``live``), holds it weakly, and keeps its picture as of its own cell once a later
    cell showed new output (``hold``). Each kind says in ``refresh`` what it takes anew."""

    paused = traitlets.Bool(False).tag(sync=True)
    """Set from the page: while True, cells leave this widget as it is."""
    superseded = traitlets.Bool(False).tag(sync=True)
    """Set by the kernel: True while the widget keeps its picture as of its own cell, because
    a later cell showed new output (see ``live.shown``); Resume (paused set False) shows the
    latest state and follows it from then on."""
    gone = traitlets.Bool(False).tag(sync=True)
    """True once the object was freed: the views keep their last picture and say so."""
    follows_cells = traitlets.Bool(False).tag(sync=True)
    """Whether cells refresh this widget (IPython runs a hook after each; marimo does not)."""

    _resumed = False

    def refresh(self, *, force: bool = False) -> None:
        """Show the object's latest state if it changed since the last picture (or if forced)."""
        raise NotImplementedError

    def hold(self) -> None:
        """Keep the picture as of this widget's cell: a later cell showed new output.

        Held once: after the page's Resume, the widget follows every cell, as asked.
        """
        if self._resumed:
            self.refresh()
            return
        # One message: a page that saw superseded before paused would offer Show latest while
        # its paused was still False, and a click then would change nothing.
        with self.hold_sync():
            self.superseded = True
            self.paused = True

    def _follow(self) -> None:
        """Refresh after each cell from now on, where cells end (see ``live.track``)."""
        self.follows_cells = live.track(self)

    def _still_there(self, followed: weakref.ref[_Followed]) -> _Followed | None:
        """The followed object, or None once it was freed: the widget then says so and stops following."""
        target = followed()
        if target is None:
            self.gone = True
            live.untrack(self)
        return target

    @traitlets.observe("paused")
    def _follow_latest(self, change: dict[str, Any]) -> None:
        if change["new"] is not False:
            return
        if self.superseded:
            self.superseded = False
            self._resumed = True
        self.refresh()
