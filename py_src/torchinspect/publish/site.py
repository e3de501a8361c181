"""A folder of notebooks published as a folder of pages, with an index that links them in order."""

from __future__ import annotations

import html
import os
import pathlib
import re

import nbformat
from traitlets.config import Config

from torchinspect.publish.exporter import POLICY, TorchinspectHTMLExporter

_INDEX_STYLE = (
    "body{margin:2rem auto;max-width:48rem;padding:0 1rem;font-family:system-ui,sans-serif;line-height:1.5}"
    "a{color:#0b61c4}li{margin:.3rem 0}"
    "@media (prefers-color-scheme:dark){body{background:#111;color:#e6edf3}a{color:#6cb6ff}}"
)


def publish_folder(
    source: str | os.PathLike[str], target: str | os.PathLike[str], *, execute: bool = False, timeout: int = 600
) -> list[pathlib.Path]:
    """Write each notebook of ``source`` as a page in ``target``, and ``index.html`` linking them.

    Each page is what ``jupyter nbconvert --to torchinspect-html`` writes: every inspector,
    graph, gradient flow and comparison interactive, nothing loaded from the network. Links
    between the notebooks (``02_tensors.ipynb#section``) are pointed at their pages. The index
    lists the pages in file-name order, each by its notebook's first heading.

    Args:
        source: a folder of ``.ipynb`` files (not searched below).
        target: the folder to write into; made if missing. Pages of the same name are overwritten.
        execute: run each notebook top to bottom first, in its own folder, as
            ``nbconvert --execute`` does (for notebooks saved without outputs).
        timeout: with ``execute``, the most seconds one cell may take.

    Returns:
        The pages written, the index last.

    Example:
        >>> import pathlib, tempfile, nbformat
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> lesson = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Tensors")])
        >>> nbformat.write(lesson, folder / "01_tensors.ipynb")
        >>> [page.name for page in publish_folder(folder, folder / "site")]
        ['01_tensors.html', 'index.html']
        >>> "Tensors" in (folder / "site" / "index.html").read_text()
        True
    """
    source, target = pathlib.Path(source), pathlib.Path(target)
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"torchinspect: no .ipynb file in {source}; pass the folder that holds the notebooks.")
    target.mkdir(parents=True, exist_ok=True)
    config = Config({"ExecutePreprocessor": {"enabled": execute, "timeout": timeout}})
    exporter = TorchinspectHTMLExporter(config=config)
    names = {path.stem for path in notebooks}
    pages, titles = [], []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        titles.append(_title(notebook, path.stem))
        page, _ = exporter.from_notebook_node(
            notebook, resources={"metadata": {"name": path.stem, "path": str(source)}}
        )
        pages.append(target / f"{path.stem}.html")
        pages[-1].write_text(_link_pages(page, names), encoding="utf-8")
    index = target / "index.html"
    index.write_text(_index(pages, titles, source.name), encoding="utf-8")
    return [*pages, index]


def _title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = re.search(r"^#+\s+(.+)$", cell.source, re.MULTILINE)
            if heading:
                return heading.group(1).strip()
    return fallback


def _link_pages(page: str, names: set[str]) -> str:
    """Links to a sibling notebook (``href="02_x.ipynb#part"``) lead to its page instead."""

    def relink(match: re.Match[str]) -> str:
        name, anchor = match.group(1), match.group(2) or ""
        return f'href="{name}.html{anchor}"' if name in names else match.group(0)

    return re.sub(r'href="(?:\./)?([^"/:#]+)\.ipynb(#[^"]*)?"', relink, page)


def _index(pages: list[pathlib.Path], titles: list[str], folder: str) -> str:
    items = "".join(
        f'<li><a href="{html.escape(page.name)}">{html.escape(title)}</a></li>'
        for page, title in zip(pages, titles, strict=True)
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(folder)}</title>\n<style>{_INDEX_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{html.escape(folder)}</h1>\n<ol>{items}</ol>\n</main>\n</body>\n</html>\n"
    )
