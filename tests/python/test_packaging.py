"""The package as a user gets it: a wheel built from the sources, installed, seen by Jupyter."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

import torchinspect

REPO = pathlib.Path(__file__).parents[2]
VERSION = json.loads((REPO / "package.json").read_text())["version"]
BIN = pathlib.Path(sys.executable).parent
LABEXTENSION_DATA = f"torchinspect-{VERSION}.data/data/share/jupyter/labextensions/torchinspect"


def run(*command: str | os.PathLike, **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A wheel built the way pip builds it, from the project's files alone (no built outputs)."""
    source = tmp_path_factory.mktemp("source")
    files = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=REPO)
    for name in filter(None, files.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    # Without build isolation, the build hook finds jupyter-builder beside this Python.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", dist, source, env=env)
    (built,) = dist.glob("torchinspect-*.whl")
    return built


def test_version_is_written_once_in_package_json():
    assert torchinspect.__version__ == VERSION


def test_wheel_carries_the_widget_bundle_and_the_lab_extension(wheel: pathlib.Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in [
        "torchinspect/__init__.py",
        "torchinspect/static/widget.js",
        "torchinspect/static/widget.css",
        "torchinspect/static/page.js",
        "torchinspect/schema/tensor-1.json",
        "torchinspect/schema/graph-1.json",
        "torchinspect/schema/gradients-1.json",
        f"{LABEXTENSION_DATA}/package.json",
        f"{LABEXTENSION_DATA}/install.json",
        f"{LABEXTENSION_DATA}/static/style.js",
    ]:
        assert shipped in names
    assert any(re.fullmatch(f"{LABEXTENSION_DATA}/static/remoteEntry\\.[0-9a-f]+\\.js", name) for name in names)
    assert not [name for name in names if name.startswith("torchinspect/labextension/")], "shipped twice"


def test_installed_wheel_is_listed_by_jupyter_as_enabled_and_ok(wheel: pathlib.Path, tmp_path: pathlib.Path):
    prefix = tmp_path / "prefix"
    # --ignore-installed: without it pip uninstalls the development install first.
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--ignore-installed", "--prefix", prefix, wheel)
    site_packages = sysconfig.get_path("purelib", vars={"base": str(prefix)})
    data_dir = prefix / "share" / "jupyter"
    assert (data_dir / "labextensions" / "torchinspect" / "install.json").is_file()
    env = {**os.environ, "JUPYTER_PATH": str(data_dir), "PYTHONPATH": site_packages, "NO_COLOR": "1"}
    listing = run(BIN / "jupyter", "labextension", "list", env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", listing)
    section = listing.split(str(data_dir / "labextensions"), 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"torchinspect v{re.escape(VERSION)} enabled\s+OK \(python, torchinspect\)", section), listing
