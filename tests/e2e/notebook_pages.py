"""Driving notebooks in JupyterLab and Notebook 7 pages through the app's own commands, and
reading the Tensors sidebar and the inspectors it opens."""

from __future__ import annotations

import json
import re
import urllib.request

import nbformat
from playwright.sync_api import Locator, Page

KERNEL_TIMEOUT_MS = 90_000
TIMEOUT_MS = 30_000
SIDEBAR = "#torchinspect-tensors"

LESSON_CELLS = [
    "import torch\ntorch.manual_seed(0)\nx = torch.randn(20, requires_grad=True)\nA = torch.randn(20, 20)",
    "y = 0.5 * torch.dot(x, torch.matmul(A, x))",
    "y.backward()",
    (
        "model = torch.nn.Sequential(torch.nn.Linear(20, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))\n"
        "bad = torch.tensor([1.0, float('nan'), float('inf'), float('nan')])"
    ),
]
"""The lesson's tensors, a cell at a time, then a module and a tensor with NaN and Inf."""

INSPECTOR_CELLS = [
    (
        "import torch\nfrom torchinspect import inspect\ntorch.manual_seed(0)\n"
        "x = torch.randn(20, requires_grad=True)\nA = torch.randn(20, 20)\ninspect(x, name='x')"
    ),
    "inspect(A, name='A')",
    "y = 0.5 * torch.dot(x, A @ x)\ny.backward()\ninspect(x, name='x')",
]
"""Three cells whose outputs are inspectors, as the lesson shows them."""


def write_notebook(server, name: str, cells: list[str], kernel: str = "python3") -> None:
    """Write a notebook of code cells into the server's root, for the kernel spec named."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    (server.root / name).write_text(json.dumps(notebook))


def open_notebook(page: Page, server, name: str) -> None:
    """Open a notebook in a fresh page and wait until its kernel is idle."""
    page.goto(server.notebook_url(name))
    wait_for_kernel(page, name)


def wait_for_kernel(page: Page, name: str) -> None:
    page.wait_for_function(
        """name => {
            const widget = window.jupyterapp?.shell.currentWidget;
            const kernel = widget?.sessionContext?.session?.kernel;
            return widget?.context?.path === name && kernel?.status === 'idle';
        }""",
        arg=name,
        timeout=KERNEL_TIMEOUT_MS,
    )


def open_another(page: Page, name: str) -> None:
    """Open a second notebook in the same JupyterLab page and wait for its kernel."""
    page.evaluate("name => window.jupyterapp.commands.execute('docmanager:open', {path: name})", name)
    wait_for_kernel(page, name)


def activate(page: Page, name: str) -> None:
    """Bring an open notebook to the front, as a click on its tab would."""
    page.evaluate(
        """name => {
            const app = window.jupyterapp;
            const panel = [...app.shell.widgets('main')].find(widget => widget.context?.path === name);
            app.shell.activateById(panel.id);
        }""",
        name,
    )


def run_cell(page: Page, index: int, name: str | None = None) -> None:
    """Run one cell of the current (or named) notebook; fail with the error it raised."""
    error = page.evaluate(
        """async ([index, name]) => {
            const app = window.jupyterapp;
            const panel = name === null ? app.shell.currentWidget
                : [...app.shell.widgets('main')].find(widget => widget.context?.path === name);
            panel.content.activeCellIndex = index;
            await app.commands.execute('notebook:run-cell');
            const cell = panel.content.widgets[index];
            const done = () => cell.model.executionCount !== null && panel.sessionContext.session.kernel.status === 'idle';
            for (let waited = 0; !done() && waited < 60000; waited += 50) await new Promise(r => setTimeout(r, 50));
            const failed = cell.model.outputs.toJSON().find(output => output.output_type === 'error');
            return failed ? `${failed.ename}: ${failed.evalue}` : null;
        }""",
        [index, name],
    )
    assert error is None, f"cell {index} failed: {error}"


def run_command(page: Page, command: str, args: dict | None = None) -> None:
    page.evaluate("([command, args]) => window.jupyterapp.commands.execute(command, args)", [command, args or {}])


def write_and_run(page: Page, server, name: str, cells: list[str]) -> None:
    """Writes a notebook of ``cells``, opens it and runs its cells one by one, as a user does."""
    write_notebook(server, name, cells)
    open_notebook(page, server, name)
    for index in range(len(cells)):
        run_cell(page, index)


def save_notebook(page: Page) -> None:
    run_command(page, "docmanager:save")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def save_and_close(page: Page, server, name: str) -> None:
    """Saves the open notebook, stops its kernel and leaves the page: what reopening it shows
    then is what the file holds."""
    save_notebook(page)
    shut_down_kernels(server, [name])
    page.goto("about:blank")


def session_of(name: str) -> str:
    """A JavaScript expression for the session context of the named open notebook."""
    return f"[...window.jupyterapp.shell.widgets('main')].find(w => w.context?.path === {json.dumps(name)}).sessionContext"


def shut_down_kernels(server, names: list[str]) -> None:
    """Stop the kernels of the named notebooks through the server's REST API."""
    headers = {"Authorization": f"token {server.token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{server.url}/api/sessions", headers=headers), timeout=10) as reply:
        sessions = json.load(reply)
    for session in sessions:
        if session["path"] in names:
            request = urllib.request.Request(f"{server.url}/api/sessions/{session['id']}", headers=headers, method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()


def row(page: Page, name: str) -> Locator:
    """The sidebar's row of a tensor."""
    return page.locator(f'{SIDEBAR} .torchinspect-tensor-row[data-name="{name}"]')


def summary_of(page: Page, name: str) -> Locator:
    return row(page, name).locator(".torchinspect-tensor-summary")


def listed_names(page: Page) -> list[str]:
    """The sidebar's rows, top to bottom, by name."""
    return page.locator(f"{SIDEBAR} .torchinspect-tensor-row").evaluate_all("rows => rows.map(row => row.dataset.name)")


def inspector(page: Page, name: str) -> Locator:
    """The inspector panel opened for ``name``."""
    summary = page.locator(".torchinspect-summary", has_text=re.compile(f"^{re.escape(name)}: "))
    return page.locator(".torchinspect-inspector-panel").filter(has=summary)
