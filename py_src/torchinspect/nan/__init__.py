"""Where a NaN or an Inf began: ``find_nan`` and ``nan_guard``.

``watch.py`` checks every op's outputs under a torch dispatch mode; ``origin.py`` turns the
first non-finite output into a report (``torchinspect.nan/1``); ``guard.py`` raises it;
``frames.py`` finds the user's line; ``modules.py`` knows which module is running;
``explain.py`` says why the op made it; ``report.py`` holds it for the user and ``widget.py`` shows it.
"""
