"""What the Python and the browser tests share: the lesson notebooks of examples/, run once.

Executing the eight lessons takes a minute or more on two cores; the checks of their widgets,
the published pages and real VS Code all read the same executed copies.
"""

from __future__ import annotations

import concurrent.futures
import pathlib

import nbformat
import pytest
import torch
from nbclient import NotebookClient

REPO = pathlib.Path(__file__).parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def executed_lessons(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A folder holding every notebook of examples/ run top to bottom in a fresh kernel and saved,
    as a teacher saves them after a run. Each ran in a folder of its own, so files a lesson
    writes cannot meet another's."""
    folder = tmp_path_factory.mktemp("executed") / EXAMPLES.name
    folder.mkdir()

    def run(path: pathlib.Path) -> None:
        notebook = nbformat.read(path, as_version=4)
        workdir = tmp_path_factory.mktemp(path.stem)
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        ).execute()
        nbformat.write(notebook, folder / path.name)

    # Two kernels at once: one lesson's kernel starts while the other's cells run.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, sorted(EXAMPLES.glob("*.ipynb"))))
    return folder


@pytest.fixture(scope="module")
def one_thread():
    """One intra-op thread for a module's tests (``pytestmark = pytest.mark.usefixtures("one_thread")``):
    on a loaded two-core machine, two threads wait on each other (a 4,096-element histc took 4 ms
    instead of 0.1 ms)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
