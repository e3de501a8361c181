"""The user's line: the innermost frame whose code is neither torch's nor torchinspect's.

Frames are read as ``(code, line)`` pairs, never kept, so that no local variable of the user's
program (a tensor) outlives the op that was checked.
"""

from __future__ import annotations

import linecache
import os
import sysconfig
import types
from typing import Any

import torch

from torchinspect._kernel import notebook_shell

# The folders whose code is not the user's: torch's, torchinspect's and Python's own.
_LIBRARY_DIRS = tuple(
    os.path.join(os.path.abspath(folder), "")
    for folder in (
        os.path.dirname(torch.__file__),
        os.path.dirname(os.path.dirname(__file__)),
        sysconfig.get_paths()["stdlib"],
    )
)
_FUNCTION_FILE = os.path.join("autograd", "function.py")
# Whether each code object is a library's, read once per code object (forgotten past a bound:
# every cell run in a notebook makes new code objects).
_is_library: dict[types.CodeType, bool] = {}
_MAX_CODES = 10_000


def user_line(frame: types.FrameType | None) -> tuple[types.CodeType, int] | None:
    """The code and line number of the innermost user frame at or under ``frame``."""
    while frame is not None:
        code = frame.f_code
        library = _is_library.get(code)
        if library is None:
            if len(_is_library) >= _MAX_CODES:
                _is_library.clear()
            library = _is_library[code] = _library_file(code.co_filename)
        if not library:
            return code, frame.f_lineno
        frame = frame.f_back
    return None


def apply_caller_line(frame: types.FrameType | None) -> tuple[types.CodeType, int] | None:
    """The user's line that called a custom ``autograd.Function``'s ``apply``, running under ``frame``.

    Its node is made by ``apply`` before its ``forward`` runs; the line that made the node is
    the one that called ``apply``, not the first line of ``forward``.
    """
    start = frame
    while frame is not None:
        if frame.f_code.co_name == "apply" and frame.f_code.co_filename.endswith(_FUNCTION_FILE):
            return user_line(frame.f_back)
        frame = frame.f_back
    return user_line(start)


def describe(line: tuple[types.CodeType, int] | None) -> dict[str, Any] | None:
    """The frame as the report gives it: file, line, function and the source line."""
    if line is None:
        return None
    code, number = line
    return {
        "file": code.co_filename,
        "line": number,
        "function": code.co_name,
        "source": linecache.getline(code.co_filename, number).strip(),
        "where": f"{_file_label(code.co_filename)}:{number}",
    }


def _file_label(filename: str) -> str:
    """A notebook cell as IPython's tracebacks name it (``In[3]``); a file by its base name."""
    shell = notebook_shell()
    format_code_name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    label = format_code_name(filename) if format_code_name is not None else None
    return label[1] if label else os.path.basename(filename)


def _library_file(filename: str) -> bool:
    if filename.startswith("<frozen") or filename.startswith("<string>"):
        return True
    return os.path.abspath(filename).startswith(_LIBRARY_DIRS)
