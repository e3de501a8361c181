"""Real-browser fixtures: Debian's Chromium driven by Playwright, a static page
server for the bare widget bundle, and real JupyterLab and Notebook 7 servers.

Every server listens on 127.0.0.1 on a free port and is stopped by its fixture.
Screenshots of what the tests saw go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

REPO = pathlib.Path(__file__).parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors:
    """Console errors and uncaught exceptions of one page, for tests to assert on."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(message.text)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.errors = PageErrors(page)
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], pathlib.Path]:
    """Keeps a picture of what a test saw, as tests/artifacts/<name>.png."""

    def save(page: Page, name: str) -> pathlib.Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def repo_server() -> Iterator[str]:
    """Serves the checkout, so a page can load the built bundle and the test harness."""
    handler = functools.partial(_QuietHandler, directory=str(REPO))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class JupyterLab:
    def __init__(self, url: str, token: str, root: pathlib.Path, data_dir: pathlib.Path) -> None:
        self.url = url
        self.token = token
        self.root = root
        # First on the server's JUPYTER_PATH: a test may add kernel specs under kernels/.
        self.data_dir = data_dir

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


class Notebook7(JupyterLab):
    def notebook_url(self, name: str) -> str:
        return f"{self.url}/notebooks/{name}?token={self.token}"

    def tree_url(self) -> str:
        return f"{self.url}/tree?token={self.token}"


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """A real JupyterLab on a free localhost port, isolated from the user's settings."""
    home = tmp_path_factory.mktemp("jupyterlab")
    flags = ["--LabApp.expose_app_in_browser=True", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with _jupyter_server(home, "jupyterlab", "LabApp", flags) as (url, token):
        yield JupyterLab(url, token, home / "notebooks", home / "data")


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Notebook7]:
    """A real Notebook 7 server on a free localhost port, isolated like the JupyterLab one."""
    home = tmp_path_factory.mktemp("notebook7")
    with _jupyter_server(home, "notebook", "JupyterNotebookApp", ["--JupyterNotebookApp.expose_app_in_browser=True"]) as (url, token):
        yield Notebook7(url, token, home / "notebooks", home / "data")


@contextlib.contextmanager
def _jupyter_server(home: pathlib.Path, module: str, app: str, flags: list[str]) -> Iterator[tuple[str, str]]:
    """Start ``python -m <module>`` serving home/notebooks (the examples copied in); yield its URL and token."""
    root = home / "notebooks"
    root.mkdir()
    for notebook in (REPO / "examples").glob("*.ipynb"):
        shutil.copy(notebook, root)
    config = home / "config"
    (config / "labconfig").mkdir(parents=True)
    # No news or update checks: the test machine is offline, and a toast would cover the page.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    (home / "data" / "kernels").mkdir(parents=True)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PATH": str(home / "data"),
    }
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", module,
        "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--{app}.workspaces_dir={home / 'workspaces'}",
        f"--{app}.user_settings_dir={home / 'settings'}",
        *flags,
    ]  # fmt: skip
    with serving(command, home=home, env=env, ready_url=f"{url}/api/status?token={token}", what="The Jupyter server"):
        yield url, token


@contextlib.contextmanager
def serving(
    command: list[str], *, home: pathlib.Path, env: dict[str, str], ready_url: str, what: str,
    cwd: pathlib.Path | None = None,
) -> Iterator[None]:
    """Run a server, its output in home/server.log, until it answers ready_url; stop it after."""
    with (home / "server.log").open("w") as log:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_server(ready_url, server, home / "server.log", what)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_for_server(ready_url: str, server: subprocess.Popen, log: pathlib.Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{what} exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(ready_url, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"{what} did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def test_bundles() -> Callable[[str], None]:
    """Builds a view's test entry (tests/e2e/<name>_entry.ts) into tests/artifacts/<name>.js, once."""
    built: set[str] = set()

    def build(name: str) -> None:
        if name in built:
            return
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npx", "esbuild", f"tests/e2e/{name}_entry.ts", "--bundle", "--format=esm", f"--outfile={ARTIFACTS / name}.js"],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        built.add(name)

    return build


@pytest.fixture
def open_harness(page: Page, repo_server: str, test_bundles: Callable[[str], None]) -> Iterator[Callable[[str], Page]]:
    """Opens tests/e2e/<name>_harness.html on its freshly built bundle; fails on console errors."""

    def open_page(name: str) -> Page:
        test_bundles(name)
        page.goto(f"{repo_server}/tests/e2e/{name}_harness.html")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        return page

    yield open_page
    assert page.errors.messages == []
