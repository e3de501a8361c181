"""export_html: one self-contained file, its data read back intact, kernel strings kept as data."""

from __future__ import annotations

import gc
import html.parser
import json
import re
import weakref

import pytest
import torch

import torchinspect
from torchinspect.graph.snapshot import graph_for_view
from torchinspect.tensor.snapshot import jsonable

HOSTILE = "</script><img src=x onerror=alert(1)><!--"


class _PageParts(html.parser.HTMLParser):
    """The page's elements, the attributes that load things, and the embedded data."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.loading: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.policy = ""
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy":
            self.policy = dict(attrs)["content"]
        for key, value in attrs:
            if key in ("src", "href", "srcset", "action", "poster"):
                self.loading.append((tag, key, value))
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, ""))
            self._script = None


def parts_of(path) -> _PageParts:
    parser = _PageParts()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def embedded(path) -> dict:
    [data] = [text for attrs, text in parts_of(path).scripts if attrs.get("type") == "application/json"]
    return json.loads(data)


def lesson():
    torch.manual_seed(0)
    x = torch.randn(20, requires_grad=True)
    A = torch.randn(20, 20)
    return x, A, 0.5 * torch.dot(x, A @ x)


def test_a_tensor_is_embedded_with_its_snapshot_and_graph(tmp_path):
    x, A, y = lesson()
    path = torchinspect.export_html(y, tmp_path / "y.html", name="y", params={"x": x})
    assert path == tmp_path / "y.html"
    data = embedded(path)
    assert data["kind"] == "inspector"
    assert data["snapshot"] == jsonable(torchinspect.snapshot(y, name="y"))
    assert data["graph"] == graph_for_view(y, params={"x": x})
    assert data["gradients"] == {}


def test_a_leaf_has_no_graph(tmp_path):
    data = embedded(torchinspect.export_html(torch.ones(3), tmp_path / "leaf.html"))
    assert data["graph"] == {} and data["snapshot"]["summary"] == "tensor[3] float32 cpu all=1"


def test_an_inspector_brings_the_gradients_of_the_last_backward(tmp_path):
    x, A, y = lesson()
    inspector = torchinspect.inspect(y, params={"x": x})
    y.backward()
    inspector.refresh()
    data = embedded(torchinspect.export_html(inspector, tmp_path / "i.html"))
    inspector.close()
    assert data["gradients"]["schema"] == "torchinspect.gradients/1"
    assert data["gradients"]["passes"] == 1
    assert data["graph"] == inspector.graph
    assert data["snapshot"] == jsonable(inspector.snapshot)


def test_a_comparison_is_embedded_whole(tmp_path):
    comparison = torchinspect.compare(torch.ones(2), torch.zeros(2))
    path = torchinspect.export_html(comparison, tmp_path / "c.html")
    data = embedded(path)
    assert data["kind"] == "comparison"
    assert data["comparison"] == jsonable(comparison.comparison)
    assert "not close" in re.search(r"<title>(.*)</title>", path.read_text()).group(1)


def test_the_page_loads_nothing_from_anywhere(tmp_path):
    x, A, y = lesson()
    parts = parts_of(torchinspect.export_html(y, tmp_path / "y.html", params={"x": x}))
    assert parts.loading == []
    assert "link" not in parts.tags and "iframe" not in parts.tags
    assert parts.policy.startswith("default-src 'none';")
    assert [attrs for attrs, _ in parts.scripts] == [{"type": "application/json", "id": "torchinspect-data"}, {}]


def test_kernel_strings_cannot_end_the_data_script(tmp_path):
    x, A, y = lesson()
    path = torchinspect.export_html(y, tmp_path / "h.html", name=HOSTILE, params={HOSTILE: x})
    text = path.read_text()
    assert HOSTILE not in text
    assert len(re.findall("</script", text, re.IGNORECASE)) == 2
    data = embedded(path)
    assert data["snapshot"]["name"] == HOSTILE
    assert HOSTILE in [node["name"] for node in data["graph"]["nodes"]]
    # The <noscript> fallback and the title escape it as HTML text.
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in text


def test_exporting_changes_nothing_and_keeps_nothing_alive(tmp_path):
    x, A, y = lesson()
    torchinspect.export_html(x, tmp_path / "x.html")
    assert x.requires_grad and x.grad is None and x.is_leaf
    probe = weakref.ref(x)
    del x, y
    gc.collect()
    assert probe() is None


def test_anything_else_is_refused_in_words(tmp_path):
    with pytest.raises(TypeError, match=r"takes a torch.Tensor, an Inspector .* got builtins.list"):
        torchinspect.export_html([1, 2], tmp_path / "l.html")
    inspector = torchinspect.inspect(torch.ones(2))
    with pytest.raises(TypeError, match="name= and params= are for a tensor"):
        torchinspect.export_html(inspector, tmp_path / "i.html", name="x")
    inspector.close()
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        torchinspect.export_html(torch.ones(2), tmp_path / "missing" / "x.html")
    assert list(tmp_path.iterdir()) == []
