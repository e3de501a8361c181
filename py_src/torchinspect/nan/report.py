"""``NanReport``: the report of ``find_nan``, readable as data and shown as a widget."""

from __future__ import annotations

from typing import Any


class NanReport:
    """Where the first NaN or Inf began, as ``find_nan`` found it.

    Its fields are the entries of ``data`` (the ``torchinspect.nan/1`` report, plain data that
    ``json.dumps`` accepts once its snapshots' bytes are encoded). Displayed in a notebook, it
    shows the sentence, the inspectors of the op's inputs and output, and the backward graph
    with the origin ringed.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def found(self) -> bool:
        """Whether a non-finite value was made."""
        return bool(self.data["found"])

    @property
    def sentence(self) -> str:
        """What happened, in one sentence."""
        return str(self.data["sentence"])

    @property
    def phase(self) -> str | None:
        """``"forward"`` or ``"backward"``."""
        return self.data.get("phase")

    @property
    def op(self) -> str | None:
        """The forward op as a learner reads it (``"log"``); in backward, the op whose backward ran."""
        return self.data.get("op")

    @property
    def kind(self) -> str | None:
        """``"nan"``, ``"+inf"`` or ``"-inf"``: the first non-finite element's."""
        return self.data.get("kind")

    @property
    def module(self) -> str | None:
        """The dotted path of the innermost module running (``""`` for the outermost)."""
        return self.data.get("module")

    @property
    def frame(self) -> dict[str, Any] | None:
        """The user's line: ``file``, ``line``, ``function``, ``source`` and ``where`` (``train.py:41``)."""
        return self.data.get("frame")

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The op's inputs: name, snapshot and value at the first non-finite element's index."""
        return list(self.data.get("inputs", []))

    @property
    def output(self) -> dict[str, Any] | None:
        """The op's output: its snapshot and its first non-finite value."""
        return self.data.get("output")

    def __repr__(self) -> str:
        return f"NanReport({self.sentence!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        from torchinspect.nan.widget import NanReportWidget

        return NanReportWidget(self.data)._repr_mimebundle_(**kwargs)
