"""Gradient flow on the graph view and step-through backward, in a plain page, fed graphs and
gradients that real torch backward passes recorded (torchinspect's own recorder)."""

from __future__ import annotations

import json
import math
import pathlib
import re

import pytest
import torch
from playwright.sync_api import Page, expect

import graphs
import torchinspect
from torchinspect.gradients.recorder import GradientRecorder
from torchinspect.gradients.report import gradient_report
from torchinspect.graph.snapshot import graph_for_view

BOXES = ".torchinspect-graph-box"
LINKS = ".torchinspect-graph-link"
DETAILS = ".torchinspect-graph-details"
STEP = ".torchinspect-step"
BARS = ".torchinspect-flow-bar"
HOSTILE = "<img src=x onerror=window.pwned=1>"
FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "gradients.json"


@pytest.fixture
def view(open_harness) -> Page:
    return open_harness("graph")


def recorded(root: torch.Tensor, params, *, gradient: torch.Tensor | None = None) -> dict:
    """The graph behind ``root`` and the gradients one real backward() through it recorded."""
    graph = graph_for_view(root, params=params)
    recorder = GradientRecorder(root)
    root.backward(gradient, retain_graph=True)
    report = gradient_report(*recorder.take_record(), graph)
    recorder.close()
    # As the widget sends it: JSON, with NaN and Inf spelled as text.
    return {"graph": graph, "gradients": json.loads(json.dumps(report, allow_nan=False))}


@pytest.fixture(scope="module")
def lesson() -> dict:
    """G1 after `y.backward()`, as the kernel sends it (tests/fixtures/gradients.json, from torch)."""
    return json.loads(FIXTURE.read_text())


@pytest.fixture(scope="module")
def mlp() -> dict:
    root, model = graphs.g2()
    return recorded(root, model)


@pytest.fixture(scope="module")
def poisoned() -> dict:
    """`sqrt` of a negative number: the gradient first goes NaN at the multiplication."""
    torch.manual_seed(0)
    w = torch.randn(5, requires_grad=True)
    b = torch.tensor([1.0, -2.0, 3.0, 0.0, 4.0], requires_grad=True)
    return recorded((torch.sqrt(b) * w).sum(), {"w": w, "b": b})


def mount(page: Page, case: dict) -> None:
    page.evaluate("([graph, gradients]) => graphs.mount(graph, gradients)", [case["graph"], case["gradients"]])


def box(page: Page, text: str):
    return page.locator(BOXES, has_text=text).first


def node_id(case: dict, **fields) -> str:
    return next(n["id"] for n in case["graph"]["nodes"] if all(n[k] == v for k, v in fields.items()))


def edge_norm(case: dict, edge: dict) -> float:
    """The norm of the gradient an edge carries, by the contract (docs/gradients-schema.md)."""
    nodes = case["gradients"]["nodes"]
    into_root = edge["target"].startswith("t")
    grad = nodes[edge["source"]]["arriving"][edge["output_nr"]] if into_root else nodes[edge["target"]]["leaving"][edge["input"]]
    return grad["norm"]


def link_styles(page: Page) -> dict[tuple[str, str], tuple[str, float]]:
    return {
        (link["source"], link["target"]): (link["stroke"], link["width"])
        for link in page.locator(LINKS).evaluate_all(
            """paths => paths.map(p => ({source: p.dataset.source, target: p.dataset.target,
                stroke: getComputedStyle(p).stroke, width: parseFloat(getComputedStyle(p).strokeWidth)}))"""
        )
    }


def contrast(a: str, b: str) -> float:
    """WCAG contrast of two CSS `rgb(…)` colours."""

    def luminance(colour: str) -> float:
        r, g, b = (float(v) / 255 for v in colour[colour.index("(") + 1 : -1].replace(",", " ").split()[:3])
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, b)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The graph, coloured


def test_links_are_coloured_and_weighted_by_the_norm_they_carry(view: Page, lesson: dict, screenshot):
    mount(view, lesson)
    expect(view.locator(".torchinspect-flow-legend")).to_contain_text("gradient norm (log scale)")
    styles = link_styles(view)
    norms = {(e["source"], e["target"]): edge_norm(lesson, e) for e in lesson["graph"]["edges"]}
    assert set(styles) == set(norms)
    painted = view.locator(LINKS).evaluate_all("ps => ps.map(p => [p.dataset.source, p.dataset.target, Number(p.dataset.norm)])")
    assert {(source, target): norm for source, target, norm in painted} == norms
    by_norm = sorted(norms, key=norms.get)
    widths = [styles[key][1] for key in by_norm]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert styles[by_norm[0]][0] != styles[by_norm[-1]][0]
    assert len({stroke for stroke, _ in styles.values()}) == len({round(n, 6) for n in norms.values()})
    screenshot(view, "gradient-flow-lesson")


def test_boxes_take_the_colour_of_the_gradient_arriving(view: Page, lesson: dict):
    mount(view, lesson)
    frames = {
        kind: box(view, text).locator(".torchinspect-graph-box-frame").evaluate("f => getComputedStyle(f).stroke")
        for kind, text in (("x", "x"), ("mul", "MulBackward0"))
    }
    x_norm = lesson["gradients"]["nodes"][node_id(lesson, name="x")]["arriving"][0]["norm"]
    mul_norm = lesson["gradients"]["nodes"][node_id(lesson, op="MulBackward0")]["arriving"][0]["norm"]
    assert x_norm != pytest.approx(mul_norm)
    assert frames["x"] != frames["mul"]
    # The leaf got the largest gradient of the pass: the colour at the top of the legend.
    ramp = view.locator(".torchinspect-flow-legend-ramp").evaluate("r => r.style.background")
    top = ramp.rsplit("rgb(", 1)[1].split(")")[0]
    assert frames["x"] == f"rgb({top})"


def test_the_details_panel_shows_the_gradients_arriving_and_leaving(view: Page, lesson: dict):
    mount(view, lesson)
    box(view, "DotBackward0").click()
    details = view.locator(DETAILS)
    dot = lesson["gradients"]["nodes"][node_id(lesson, op="DotBackward0")]
    expect(details).to_contain_text("gradient arriving")
    # Inputs are named after the learner's variables where the graph knows them, torch's name second.
    expect(details).to_contain_text("x (self) → AccumulateGrad: x")
    expect(details).to_contain_text("tensor → MvBackward0 (mv)")
    expect(details).to_contain_text(f"{dot['leaving'][1]['norm']:.4g}")
    cells = details.locator(".is-leaving .torchinspect-flow-values").first.locator("li").all_inner_texts()
    assert cells == [f"{value:.4g}" for value in dot["leaving"][0]["values"]]


def test_the_toggle_turns_the_flow_off_and_on(view: Page, lesson: dict):
    mount(view, lesson)
    toggle = view.get_by_role("button", name="gradient flow")
    coloured = link_styles(view)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(view.locator(".torchinspect-flow-legend")).to_be_hidden()
    expect(view.locator(BARS).first).to_be_hidden()
    plain = link_styles(view)
    assert len({stroke for stroke, _ in plain.values()}) == 1 and plain != coloured
    toggle.click()
    expect(view.locator(".torchinspect-flow-legend")).to_be_visible()
    assert link_styles(view) == coloured


def settled_transform(page: Page) -> str | None:
    """The drawing's transform once two reads a frame's worth of time apart agree."""
    content = page.locator(".torchinspect-graph-content")
    last = content.get_attribute("transform")
    for _ in range(40):
        page.wait_for_timeout(100)
        now = content.get_attribute("transform")
        if now == last:
            return now
        last = now
    return last


def test_a_second_backward_recolours_in_place(view: Page, screenshot):
    root, params = graphs.g1()
    first = recorded(root, params)
    second = recorded(root, params, gradient=torch.tensor(1e3))
    view.evaluate("([graph, gradients]) => graphs.mount(graph, gradients)", [first["graph"], first["gradients"]])
    box(view, "x").click()
    # The details panel takes its width, and the graph is fitted to what is left: wait until it settles.
    transform = settled_transform(view)
    x = node_id(first, name="x")
    norms = [case["gradients"]["nodes"][x]["arriving"][0]["norm"] for case in (first, second)]
    expect(view.locator(DETAILS)).to_contain_text(f"{norms[0]:.4g}")
    before = link_styles(view)
    view.evaluate("gradients => graphs.update(0, gradients)", second["gradients"])
    expect(view.locator(DETAILS)).to_contain_text(f"{norms[1]:.4g}")
    expect(box(view, "x")).to_have_class("torchinspect-graph-box is-leaf is-selected")
    assert view.locator(".torchinspect-graph-content").get_attribute("transform") == transform
    # Every gradient grew a thousandfold: the scale moved with it, the picture did not.
    assert link_styles(view) == before
    expect(view.locator(".torchinspect-flow-legend-tick").last).to_have_text(f"{10 ** math.floor(math.log10(max(norms))):.4g}")


# Parameters


def test_parameter_bars_are_sorted_with_names_and_pick_their_leaf(view: Page, mlp: dict, screenshot):
    mount(view, mlp)
    parameters = mlp["gradients"]["parameters"]
    names = view.locator(".torchinspect-flow-bar-name").all_inner_texts()
    assert names == [p["name"] for p in sorted(parameters, key=lambda p: -p["norm"])]
    assert names[0].endswith(("weight", "bias")) and len(names) == 6
    values = view.locator(".torchinspect-flow-bar-value").all_inner_texts()
    assert values == [f"{p['norm']:.4g}" for p in sorted(parameters, key=lambda p: -p["norm"])]
    widths = view.locator(".torchinspect-flow-bar-fill").evaluate_all("bars => bars.map(b => b.getBoundingClientRect().width)")
    assert widths == sorted(widths, reverse=True)
    last = parameters[-1]
    view.get_by_role("button", name=f"{last['name']}: gradient norm").click()
    assert view.evaluate("graphs.selections.at(-1)") == last["node"]
    expect(view.locator(f"{BOXES}.is-selected")).to_contain_text(last["name"])
    stage = view.locator(".torchinspect-graph-stage").bounding_box()
    bars = view.locator(".torchinspect-flow-bars").bounding_box()
    assert bars["x"] >= stage["x"] + stage["width"]
    screenshot(view, "gradient-flow-mlp")


def test_bars_go_under_the_graph_when_the_view_is_narrow(view: Page, mlp: dict, screenshot):
    view.set_viewport_size({"width": 760, "height": 900})
    mount(view, mlp)
    stage = view.locator(".torchinspect-graph-stage").bounding_box()
    bars = view.locator(".torchinspect-flow-bars").bounding_box()
    assert bars["y"] >= stage["y"] + stage["height"]
    screenshot(view, "gradient-flow-mlp-narrow")


def test_closed_modules_show_the_largest_gradient_inside(view: Page, screenshot):
    root, model = graphs.g3(recorded=True)
    case = recorded(root, model)
    mount(view, case)
    modules = view.locator(f"{BOXES}.is-module").all()
    assert modules
    nodes = case["gradients"]["nodes"]
    for module in modules:
        path = module.get_attribute("data-id").removeprefix("module:")
        inside = [n["id"] for n in case["graph"]["nodes"] if n["metadata"].get("module", "") in (path,) or str(n["metadata"].get("module", "")).startswith(f"{path}.")]
        norms = [math.hypot(*(g["norm"] for g in nodes[i]["arriving"] if g)) for i in inside if i in nodes]
        assert float(module.get_attribute("data-norm")) == pytest.approx(max(norms), rel=1e-9), path
        expect(module).to_have_attribute("data-phase", "done")
    screenshot(view, "gradient-flow-modules")


# Flags


def test_a_nan_is_traced_to_where_it_began_in_words(view: Page, poisoned: dict, screenshot):
    mount(view, poisoned)
    flag = poisoned["gradients"]["flags"][0]
    assert flag["kind"] == "nonfinite_origin"
    sentence = view.locator(".torchinspect-flow-flag")
    expect(sentence).to_contain_text(flag["message"])
    origin = view.locator(f"{BOXES}.is-flagged")
    expect(origin).to_have_count(1)
    assert origin.get_attribute("data-id") == flag["node"]
    expect(view.locator(".torchinspect-flow-legend")).to_contain_text("NaN")
    strokes = [stroke for stroke, _ in link_styles(view).values()]
    assert "rgb(255, 0, 255)" in strokes
    sentence.get_by_role("button").click()
    assert view.evaluate("graphs.selections.at(-1)") == flag["node"]
    expect(view.locator(DETAILS)).to_contain_text("NaN")
    screenshot(view, "gradient-flow-nan")


def test_a_vanishing_gradient_is_flagged_on_a_folded_chain(view: Page, screenshot):
    root, params = graphs.g5(200)
    case = recorded(root, params)
    mount(view, case)
    kinds = [flag["kind"] for flag in case["gradients"]["flags"]]
    assert "vanishing" in kinds
    expect(view.locator(".torchinspect-flow-flag[data-kind=vanishing]")).to_contain_text("vanished")
    folded = view.locator(f"{BOXES}.is-folded")
    expect(folded).to_have_count(1)
    # The folded box takes the largest gradient inside it, not the grey of no gradient.
    assert folded.get_attribute("data-phase") == "done"
    assert folded.evaluate("b => b.style.getPropertyValue('--ti-graph-kind')") != ""
    screenshot(view, "gradient-flow-deep-chain")
    before = view.locator(BOXES).count()
    folded.click()
    expect(view.locator(BOXES)).to_have_count(before + 12)
    # The boxes the fold opened into are coloured too: every node of the chain got a gradient.
    expect(view.locator(f"{BOXES}[data-phase=done]")).to_have_count(before + 12)


def test_a_backward_that_raised_says_the_record_stops_where_it_stopped(view: Page):
    x = torch.randn(3, requires_grad=True)
    h = x.exp()
    h.register_hook(lambda grad: (_ for _ in ()).throw(RuntimeError("stopped by a hook")))
    y = (h * 2).sum()
    graph = graph_for_view(y, params={"x": x})
    recorder = GradientRecorder(y)
    with pytest.raises(RuntimeError, match="stopped by a hook"):
        y.backward()
    gradients = json.loads(json.dumps(gradient_report(*recorder.take_record(), graph), allow_nan=False))
    recorder.close()
    assert gradients["complete"] is False
    mount(view, {"graph": graph, "gradients": gradients})
    expect(view.locator(".torchinspect-flow")).to_contain_text("raised before it finished")
    # The hook raised before exp's node ran: neither it nor the leaf x got a gradient.
    case = {"graph": graph}
    for op in (dict(name="x"), dict(op="ExpBackward0")):
        expect(view.locator(f"{BOXES}[data-id={node_id(case, **op)}]")).to_have_attribute("data-phase", "unreached")


# Stepping through backward


def step_to(page: Page, text: str) -> None:
    page.get_by_role("button", name="first step").click()
    for _ in range(20):
        if text in page.locator(".torchinspect-steps-where").inner_text():
            return
        page.get_by_role("button", name="next step").click()
    raise AssertionError(f"no step shows {text}")


def test_the_step_at_the_leaf_shows_x_grad_as_the_lesson_computes_it(view: Page, lesson: dict, screenshot):
    mount(view, lesson)
    step_to(view, "AccumulateGrad: x")
    panel = view.locator(STEP)
    expect(panel).to_contain_text("accumulated into x.grad")
    expect(panel).to_contain_text("x.grad += g")
    recorded_values = lesson["gradients"]["nodes"][node_id(lesson, name="x")]["arriving"][0]["values"]
    shown = panel.locator(".is-leaving .torchinspect-flow-values li").all_inner_texts()
    assert shown == [f"{value:.4g}" for value in recorded_values]
    exact = panel.locator(".is-leaving .torchinspect-flow-values li").evaluate_all("cells => cells.map(c => Number(c.title))")
    # The lesson's check: x.grad = 0.5 (A + Aᵀ) x, from the fixture's seeded x and A.
    torch.manual_seed(0)
    x, A = torch.randn(20), torch.randn(20, 20)
    torch.testing.assert_close(torch.tensor(exact), 0.5 * (A + A.T) @ x)
    expect(box(view, "x")).to_have_class("torchinspect-graph-box is-leaf is-current is-selected")
    screenshot(view, "gradient-flow-step-leaf")


def test_each_step_shows_the_gradient_arriving_the_rule_and_the_gradient_leaving(view: Page, lesson: dict, screenshot):
    mount(view, lesson)
    step_to(view, "MvBackward0")
    panel = view.locator(STEP)
    mv = lesson["gradients"]["nodes"][node_id(lesson, op="MvBackward0")]
    expect(panel.locator(".torchinspect-step-title")).to_have_text(f"step {mv['step'] + 1} of 4: MvBackward0 (mv)")
    expect(panel.locator(".is-arriving")).to_contain_text(f"{mv['arriving'][0]['norm']:.4g}")
    expect(panel.locator(".is-rule")).to_contain_text("grad vec = selfᵀ @ g")
    expect(panel.locator(".is-leaving")).to_contain_text("x (vec) → AccumulateGrad: x")
    expect(panel.locator(".is-rule")).to_contain_text("in your names: vec is x")
    expect(panel.locator(".is-leaving")).to_contain_text(f"{mv['leaving'][1]['norm']:.4g}")
    phases = {b["id"]: b["phase"] for b in view.locator(BOXES).evaluate_all("bs => bs.map(b => ({id: b.dataset.id, phase: b.dataset.phase}))")}
    assert phases[node_id(lesson, name="x")] == "pending"
    assert phases[node_id(lesson, op="MvBackward0")] == "current"
    assert phases[node_id(lesson, op="DotBackward0")] == "done"
    mv_id = node_id(lesson, op="MvBackward0")
    # Mv has just sent x its gradient; one step back, that edge still waits, greyed.
    expect(view.locator(f"{LINKS}[data-target={mv_id}]")).to_have_attribute("data-flow", "passed")
    screenshot(view, "gradient-flow-step-mv")
    view.get_by_role("button", name="previous step").click()
    waiting = view.locator(f"{LINKS}[data-flow=waiting]")
    expect(waiting).to_have_count(1)
    assert waiting.get_attribute("data-target") == mv_id


def test_a_negative_dim_reads_as_written_and_int64_keeps_its_digits(view: Page):
    # torch hands softmax's dim=-1 out as 2**64 - 1, and a slice's open end is INT64_MAX.
    x = torch.randn(3, 4, requires_grad=True)
    case = recorded(torch.softmax(x[1:], -1).sum(), {"x": x})
    mount(view, case)
    step_to(view, "SoftmaxBackward0")
    panel = view.locator(STEP)
    expect(panel).to_contain_text("out = softmax(self, dim=-1)")
    expect(panel).not_to_contain_text("18446744073709552000")
    box(view, "SliceBackward0").click()
    details = view.locator(DETAILS)
    expect(details).to_contain_text(str(2**63 - 1))
    expect(details).not_to_contain_text("9223372036854775808")
    box(view, "SoftmaxBackward0").click()
    expect(details).to_contain_text("-1")
    expect(details).not_to_contain_text("18446744073709552000")


def test_inputs_are_named_after_the_learners_variables_with_torchs_name_second(view: Page):
    torch.manual_seed(0)
    x, A = torch.randn(3, requires_grad=True), torch.randn(3, 3, requires_grad=True)
    case = recorded(torch.dot(x, A @ x), {"x": x, "A": A})
    mount(view, case)
    step_to(view, "DotBackward0")
    leaving = view.locator(f"{STEP} .is-leaving .torchinspect-step-label")
    # A @ x has no name of the learner's in the graph: torch's name alone.
    expect(leaving).to_have_text(["x (self) → AccumulateGrad: x", "tensor → MvBackward0 (mv)"])
    expect(view.locator(f"{STEP} .is-rule")).to_contain_text("in your names: self is x")
    view.get_by_role("button", name="next step").click()
    expect(view.locator(".torchinspect-steps-where")).to_contain_text("MvBackward0")
    expect(leaving).to_have_text(["A (self) → AccumulateGrad: A", "x (vec) → AccumulateGrad: x"])
    expect(view.locator(f"{STEP} .is-rule")).to_contain_text("in your names: self is A, vec is x")


def test_keys_the_slider_and_play_move_through_the_steps(view: Page, lesson: dict):
    mount(view, lesson)
    where = view.locator(".torchinspect-steps-where")
    expect(where).to_have_text("the whole pass: 4 steps")
    expect(view.locator(STEP)).to_be_hidden()
    view.get_by_role("button", name="first step").click()
    expect(where).to_have_text("step 1 of 4: MulBackward0 (mul)")
    view.keyboard.press("ArrowRight")
    expect(where).to_have_text("step 2 of 4: DotBackward0 (dot)")
    view.keyboard.press("ArrowLeft")
    expect(where).to_have_text("step 1 of 4: MulBackward0 (mul)")
    view.get_by_role("slider", name="backward step").fill("2")
    expect(where).to_have_text("step 3 of 4: MvBackward0 (mv)")
    view.get_by_role("button", name="play").click()
    expect(view.get_by_role("button", name="pause")).to_be_visible()
    expect(where).to_have_text("the whole pass: 4 steps", timeout=10_000)
    expect(view.get_by_role("button", name="play")).to_be_visible()
    expect(view.locator(STEP)).to_be_hidden()


# Safety


def test_names_and_flags_from_the_kernel_are_shown_as_text(view: Page, screenshot):
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    case = recorded(torch.sqrt(w).sum(), {HOSTILE: w})
    for flag in case["gradients"]["flags"]:
        flag["message"] = f"{HOSTILE} {flag['message']}"
    assert case["gradients"]["flags"], "sqrt at -1 gives a NaN gradient, which must be flagged"
    mount(view, case)
    expect(view.locator(".torchinspect-flow-bar-name")).to_have_text([HOSTILE])
    expect(view.locator(".torchinspect-flow-flag").first).to_contain_text(HOSTILE)
    step_to(view, HOSTILE)
    expect(view.locator(STEP)).to_contain_text(f"{HOSTILE}.grad += g")
    assert view.locator("img").count() == 0
    assert view.evaluate("window.pwned") is None


def test_gradients_of_another_schema_are_refused_in_words_and_the_graph_stays(view: Page, lesson: dict):
    view.evaluate("graph => graphs.mount(graph, {schema: 'torchinspect.gradients/0'})", lesson["graph"])
    expect(view.locator(".torchinspect-flow-error")).to_contain_text('got "torchinspect.gradients/0"')
    expect(view.locator(BOXES)).to_have_count(len(lesson["graph"]["nodes"]))
    expect(view.get_by_role("button", name="gradient flow")).to_be_hidden()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_links_and_the_step_panel_read_in_both_themes(view: Page, mlp: dict, lesson: dict, scheme: str, screenshot):
    view.emulate_media(color_scheme=scheme)
    mount(view, mlp)
    page_colour = view.locator(".torchinspect-graph-stage").evaluate("s => getComputedStyle(s).backgroundColor")
    for stroke, _ in link_styles(view).values():
        assert contrast(stroke, page_colour) >= 3, (stroke, page_colour)
    view.evaluate("graphs.destroy(0)")
    mount(view, lesson)
    step_to(view, "DotBackward0")
    expect(view.locator(STEP)).to_be_visible()
    screenshot(view, f"gradient-flow-step-{scheme}")


def test_a_theme_switched_after_drawing_recolours_the_links_to_read_on_it(view: Page, mlp: dict, screenshot):
    view.emulate_media(color_scheme="light")
    mount(view, mlp)
    light = link_styles(view)
    view.emulate_media(color_scheme="dark")
    stage = view.locator(".torchinspect-graph-stage")
    page_colour = stage.evaluate("s => getComputedStyle(s).backgroundColor")
    # The dim end of the light page's palette is dark purple: on a dark page it took the bright end.
    for _ in range(30):  # the theme is read once it has settled
        dark = link_styles(view)
        if dark != light:
            break
        view.wait_for_timeout(100)
    assert dark != light
    for stroke, _ in dark.values():
        assert contrast(stroke, page_colour) >= 3, (stroke, page_colour)
    screenshot(view, "gradient-flow-switched-to-dark")


# In the widget


def test_the_widget_colours_its_graph_when_the_gradients_trait_arrives(page: Page, repo_server: str, lesson: dict):
    """The built bundle with a fake anywidget model: the kernel sets `gradients` after backward()."""
    from torchinspect.tensor.snapshot import jsonable

    page.goto(f"{repo_server}/tests/e2e/harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    snapshot = jsonable(torchinspect.snapshot(torch.tensor(1.0), name="y"))
    state = {"snapshot": snapshot, "graph": lesson["graph"], "gradients": {}, "paused": False, "gone": False}
    page.evaluate("state => harness.mountState(state)", state)
    expect(page.locator(BOXES)).to_have_count(len(lesson["graph"]["nodes"]))
    expect(page.get_by_role("button", name="gradient flow")).to_be_hidden()
    zoom = re.compile(r"scale\([^)]*\)")
    before = zoom.search(page.locator(".torchinspect-graph-content").get_attribute("transform")).group()
    page.evaluate("gradients => harness.setTrait('gradients', gradients)", lesson["gradients"])
    expect(page.locator(".torchinspect-flow-legend")).to_contain_text("gradient norm (log scale)")
    expect(page.locator(".torchinspect-flow-bar-name")).to_have_text(["x"])
    # The bars beside the stage may narrow it, which centres the drawing again; its zoom stays.
    assert zoom.search(page.locator(".torchinspect-graph-content").get_attribute("transform")).group() == before
    page.evaluate("harness.cleanup()")
    assert page.evaluate("harness.listenerCount()") == 0
    assert page.errors.messages == []
