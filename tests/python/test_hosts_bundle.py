"""One bundle for every widget host (JupyterLab, Notebook 7, VS Code, Colab, marimo): nothing in
it names a host or loads anything, and in Colab the output carries what Colab needs."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

STATIC = pathlib.Path(__file__).parents[2] / "py_src" / "torchinspect" / "static"
BUNDLES = ["widget.js", "page.js"]
HOSTS = ["jupyter", "colab", "vscode", "marimo", "ipython", "acquireVsCodeApi", "google"]
# The only addresses in the bundles: the SVG and XHTML namespaces, which load nothing.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module", params=BUNDLES)
def bundle(request) -> str:
    path = STATIC / request.param
    assert path.is_file(), f"{path} is missing: run `npm run build`"
    return path.read_text(encoding="utf-8")


def test_the_bundle_names_no_host(bundle: str):
    assert [host for host in HOSTS if host.lower() in bundle.lower()] == []


def test_the_bundle_loads_nothing_and_imports_nothing(bundle: str):
    assert set(re.findall(r"https?://[^\s\"'`)]+", bundle)) <= NAMESPACES
    for loader in ("fetch(", "XMLHttpRequest", "WebSocket", "importScripts", "sendBeacon", "EventSource"):
        assert loader not in bundle, loader
    assert re.search(r"\bimport\s*[({*\"']", bundle) is None


def test_in_colab_anywidget_turns_on_the_custom_widget_manager_and_the_output_says_so():
    # A stand-in for Colab's google.colab.output, which anywidget looks for in sys.modules.
    script = textwrap.dedent("""
        import json, sys, types
        calls = []
        output = types.ModuleType("google.colab.output")
        output.enable_custom_widget_manager = lambda: calls.append("enabled")
        output._widgets = types.SimpleNamespace(_installed_url="https://colab.example/manager.min.js")
        sys.modules["google.colab.output"] = output

        import torch, torchinspect
        first = torchinspect.inspect(torch.ones(3), name="x")
        torchinspect.inspect(torch.zeros(2))
        data, metadata = first._repr_mimebundle_()
        print(json.dumps({"calls": calls, "metadata": metadata, "plain": data["text/plain"]}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["calls"] == ["enabled"]
    assert shown["metadata"]["application/vnd.jupyter.widget-view+json"] == {
        "colab": {"custom_widget_manager": {"url": "https://colab.example/manager.min.js"}}
    }
    assert shown["plain"] == "x: tensor[3] float32 cpu all=1"
