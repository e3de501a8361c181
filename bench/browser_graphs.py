"""Browser family: the graph view in Chromium against torchviz's make_dot + Graphviz `dot -Tsvg`.

For G1–G6 (bench/graphs.py; G3 and G4 recorded inside ``record_modules``, so the view groups
them by module): the time from mounting the view to a drawn, interactive graph, read from the
view's performance marks (``torchinspect:graph-mounted`` → ``torchinspect:graph-drawn``), and
to the next painted frame; beside it, torchviz 0.0.3 building the same graph's DOT source and
Debian's Graphviz ``dot`` rendering it to SVG, each ``dot`` given 120 s. Then G3 and G4 with
every node shown ("expand all"), and the frame times while panning and zooming G4 so and G6
with every fold opened (15,003 boxes, drawn as SVG near and as a canvas overview from afar).

Chromium is Debian's /usr/bin/chromium, driven by Playwright (never a downloaded browser); the
page and the view's bundle are served from 127.0.0.1. Each graph is mounted MOUNTS times in
one page; the ratio uses the median of all but the first, which is printed too (for G1, the
page's first graph, it runs cold JavaScript).
"""

from __future__ import annotations

import functools
import http.server
import json
import pathlib
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch

from graphs import g1, g2, g3, g4, g5, g6
from timing import best_seconds, ms, print_table
from torchinspect.graph.safety import release_held_graphs
from torchinspect.graph.snapshot import graph_for_view

REPO = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
DOT_TIMEOUT_S = 120
MOUNTS = 6
EXPANDS = 3
FRAME_BUDGET_MS = 50

GRAPHS: dict[str, Callable[[], tuple[torch.Tensor, Any]]] = {
    "G1": g1,
    "G2": g2,
    "G3": functools.partial(g3, recorded=True),
    "G4": functools.partial(g4, recorded=True),
    # Not recorded: modules inferred from the parameter names the model lends.
    "G3 not recorded": g3,
    "G4 not recorded": g4,
    # Neither recorded nor named (the model out of the notebook's sight): folded by its repeats.
    "G4 unnamed": lambda: (g4()[0], None),
    "G5 (N=2,000)": functools.partial(g5, 2_000),
    "G5 (N=10,000)": functools.partial(g5, 10_000),
    "G6": g6,
}
EXPANDED = ("G3", "G4")


def run() -> None:
    snapshots, torchviz = {}, {}
    for label, build in GRAPHS.items():
        root, params = build()
        snapshots[label] = json.loads(json.dumps(graph_for_view(root, params=params)))
        torchviz[label] = torchviz_and_dot(root, params)
        del root, params
        release_held_graphs()
    with chromium_page() as page:
        mounts = {label: mount_times(page, snapshot) for label, snapshot in snapshots.items()}
        expanded = {label: expand_times(page, snapshots[label]) for label in EXPANDED}
        frames = {
            "G4 expanded": pan_and_zoom_frames(page, snapshots["G4"], "bench.click('open every module')"),
            "G6 expanded": pan_and_zoom_frames(page, snapshots["G6"], "bench.openEveryFold()"),
        }
    print_default_views(snapshots, mounts, torchviz)
    print_expanded_views(snapshots, mounts, expanded, torchviz)
    print_frames(frames)


# --- torchviz and dot ----------------------------------------------------------------------


def torchviz_and_dot(root: torch.Tensor, params: Any) -> dict[str, Any]:
    """make_dot's best time and its source, then dot -Tsvg's best time, or why there is none."""
    from torchviz import make_dot

    named = dict(params.named_parameters()) if isinstance(params, torch.nn.Module) else params
    try:
        source = make_dot(root, params=named).source
    except RecursionError:
        return {"make_dot": None, "dot": None, "failed": "RecursionError"}
    make_dot_s = best_seconds(lambda: make_dot(root, params=named).source, budget=10.0)
    dot_s = dot_seconds(source)
    return {"make_dot": make_dot_s, "dot": dot_s, "failed": None if dot_s is not None else "timeout"}


def dot_seconds(source: str) -> float | None:
    """The best of up to three `dot -Tsvg` runs (one where it takes over a second); None past 120 s."""
    best = None
    for _ in range(3):
        started = time.perf_counter()
        try:
            subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True, timeout=DOT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
        if took > 1.0:
            break
    return best


# --- Chromium ------------------------------------------------------------------------------


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A page of the view alone in Debian's Chromium, served with its bundle from 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as build:
        bundle = pathlib.Path(build) / "bench-bundle.js"
        subprocess.run(
            ["npx", "esbuild", "bench/browser_entry.ts", "--bundle", "--format=esm", "--minify", f"--outfile={bundle}"],
            cwd=REPO, check=True, capture_output=True,
        )  # fmt: skip
        with _served(bundle) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(f"{url}/bench/browser_page.html")
            page.wait_for_selector("body[data-ready=true]", state="attached")
            try:
                yield page
            finally:
                browser.close()


@contextmanager
def _served(bundle: pathlib.Path) -> Iterator[str]:
    """The checkout over HTTP on a free localhost port, and the bundle as /bench-bundle.js."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            return str(bundle) if path.split("?")[0] == "/bench-bundle.js" else super().translate_path(path)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(REPO)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def mount_times(page: Any, snapshot: dict) -> dict[str, Any]:
    """MOUNTS mounts of the default view: the first one, and the median of the others."""
    page.evaluate("graph => { window.graph = graph; }", snapshot)
    runs = [page.evaluate("bench.mount(window.graph)") for _ in range(MOUNTS)]
    warm = runs[1:]
    return {
        "first": runs[0]["drawn"],
        "drawn": statistics.median(run["drawn"] for run in warm),
        "painted": statistics.median(run["painted"] for run in warm),
        "boxes": runs[0]["boxes"],
    }


def expand_times(page: Any, snapshot: dict) -> dict[str, Any]:
    """The default view, then "expand all": the medians of EXPANDS tries, each on a fresh mount."""
    page.evaluate("graph => { window.graph = graph; }", snapshot)
    runs = []
    for _ in range(EXPANDS):
        page.evaluate("bench.mount(window.graph)")
        runs.append(page.evaluate("bench.click('open every module')"))
    return {
        "drawn": statistics.median(run["drawn"] for run in runs),
        "painted": statistics.median(run["painted"] for run in runs),
        "boxes": runs[0]["boxes"],
    }


def pan_and_zoom_frames(page: Any, snapshot: dict, open_all: str) -> dict[str, list[float]]:
    """Frame times while dragging and wheeling over a graph with every node shown, at a readable scale and fitted."""
    page.evaluate("graph => bench.mount(graph)", snapshot)
    page.evaluate(open_all)
    stage = page.locator(".torchinspect-graph-stage").bounding_box()
    centre = (stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2)
    frames = {}
    for scale in ("readable", "fitted"):
        if scale == "fitted":
            page.evaluate("bench.click('fit the graph')")
        page.evaluate("bench.startFrames()")
        for dx, dy in ((0, -300), (250, 200), (-250, 100)):
            page.mouse.move(*centre)
            page.mouse.down()
            page.mouse.move(centre[0] + dx, centre[1] + dy, steps=30)
            page.mouse.up()
        page.mouse.move(*centre)
        for delta in [-120] * 12 + [120] * 12:
            page.mouse.wheel(0, delta)
            page.wait_for_timeout(16)
        frames[scale] = page.evaluate("bench.stopFrames()")
    return frames


# --- tables --------------------------------------------------------------------------------


def torchviz_total(result: dict[str, Any]) -> float | None:
    if result["make_dot"] is None or result["dot"] is None:
        return None
    return result["make_dot"] + result["dot"]


def anchor_text(result: dict[str, Any], key: str) -> str:
    if result[key] is not None:
        return ms(result[key])
    return result["failed"] if key == "make_dot" or result["make_dot"] is not None else "—"


def ours_over(ours_ms: float, anchor_s: float | None) -> str:
    return "—" if anchor_s is None else f"{ours_ms / 1000 / anchor_s:.2f}×"


def print_default_views(snapshots: dict, mounts: dict, torchviz: dict) -> None:
    rows = []
    for label, snapshot in snapshots.items():
        mount, anchor = mounts[label], torchviz[label]
        total = torchviz_total(anchor)
        rows.append([
            label, f"{len(snapshot['nodes']):,}", f"{mount['boxes']:,}", f"{len(json.dumps(snapshot).encode()):,} B",
            f"{mount['drawn']:.1f} ms", f"{mount['first']:.1f} ms", f"{mount['painted']:.1f} ms",
            anchor_text(anchor, "make_dot"), anchor_text(anchor, "dot"),
            ms(total) if total is not None else anchor["failed"], ours_over(mount["drawn"], total),
        ])  # fmt: skip
    print_table(
        "Graph view, default view, in Chromium: mount → drawn (view's marks, median of warm mounts) vs "
        "torchviz make_dot + dot -Tsvg (ratio ≤ 1: torchinspect no slower)",
        ["graph", "nodes", "boxes", "JSON payload", "mount→drawn", "first", "→ painted",
         "make_dot", "dot -Tsvg", "torchviz+dot", "ours ÷ torchviz+dot"],
        rows,
    )  # fmt: skip


def print_expanded_views(snapshots: dict, mounts: dict, expanded: dict, torchviz: dict) -> None:
    rows = []
    for label, result in expanded.items():
        total = torchviz_total(torchviz[label])
        both = mounts[label]["drawn"] + result["drawn"]
        # To the frame the browser painted: its own style, layout and paint of the drawing included.
        painted = mounts[label]["painted"] + result["painted"]
        rows.append([
            label, f"{len(snapshots[label]['nodes']):,}", f"{result['boxes']:,}", f"{result['drawn']:.1f} ms",
            f"{result['painted']:.1f} ms", f"{both:.1f} ms", f"{painted:.1f} ms", ms(total), ours_over(both, total),
            ours_over(painted, total),
        ])  # fmt: skip
    print_table(
        "Graph view, every node shown (expand all), in Chromium: mount + expand all → drawn and → painted vs "
        "torchviz make_dot + dot -Tsvg (G4: at most 0.8×)",
        ["graph", "nodes", "boxes", "expand→drawn", "→ painted", "mount+expand", "→ painted", "torchviz+dot",
         "drawn ÷ torchviz+dot", "painted ÷ torchviz+dot"],
        rows,
    )  # fmt: skip


def print_frames(frames: dict[str, dict[str, list[float]]]) -> None:
    rows = [
        [f"{label}, {scale}", f"{len(times)}", f"{max(times):.1f} ms", f"{statistics.median(times):.1f} ms",
         f"{sum(time > FRAME_BUDGET_MS for time in times)}"]
        for label, scales in frames.items()
        for scale, times in scales.items()
    ]  # fmt: skip
    print_table(
        "Pan and zoom, in Chromium: time between painted frames while dragging and wheeling (floor: none over 50 ms)",
        ["view", "frames", "longest", "median", "over 50 ms"],
        rows,
    )
