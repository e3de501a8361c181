"""The find_nan report's widget in a plain page (the built bundle, a fake anywidget model):
the sentence with the program's names as code, the op's tensors, and the origin ringed."""

from __future__ import annotations

import json
import re
from collections import OrderedDict

import pytest
import torch
from playwright.sync_api import Page, expect
from torch import nn

import torchinspect
from notebook_pages import open_notebook, run_cell, save_and_close, shut_down_kernels, write_notebook
from test_jupyterlab import open_and_run
from torchinspect.tensor.snapshot import to_json


class Sqrt(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sqrt(x)


class Log(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log(x)


@pytest.fixture
def harness(page: Page, repo_server: str) -> Page:
    page.goto(f"{repo_server}/tests/e2e/harness.html")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def mount_report(page: Page, report: torchinspect.NanReport) -> None:
    """Mount the widget on the report as its trait would carry it (bytes as base64)."""
    page.evaluate("report => harness.mountState({ nan_report: report })", json.loads(to_json(report.data)))


def test_a_backward_nan_reads_as_a_sentence_with_its_node_ringed(harness: Page, screenshot):
    torch.manual_seed(0)
    model = nn.Sequential(OrderedDict(encoder=nn.Sequential(nn.Linear(3, 4), nn.ReLU(), Sqrt()), head=nn.Linear(4, 1)))
    x = torch.randn(5, 3)
    report = torchinspect.find_nan(lambda: model(x).sum().backward())
    assert report.phase == "backward" and report.data["origin_node"] is not None
    mount_report(harness, report)

    sentence = harness.locator(".torchinspect-nan-sentence")
    expect(sentence).to_have_text(report.sentence)
    expect(sentence.locator("code")).to_have_text(["sqrt", "div", "encoder.2", report.frame["where"], report.data["example"]])
    assert report.data["example"].startswith("div(") and report.data["example"].endswith(", 0)")
    expect(harness.locator(".torchinspect-nan-source")).to_contain_text("return torch.sqrt(x)")
    where = harness.locator(".torchinspect-nan-file")
    expect(where).to_have_text(f"{report.frame['where']} in forward")
    expect(where).to_have_attribute("title", f"{report.frame['file']}:{report.frame['line']}")
    ringed = harness.locator(".torchinspect-graph-box.is-nan-origin")
    expect(ringed).to_have_count(1)
    expect(ringed).to_have_attribute("data-id", report.data["origin_node"])
    expect(ringed.locator(".torchinspect-graph-box-title")).to_have_text("SqrtBackward0")
    ring_colour = ringed.locator(".torchinspect-graph-box-ring").evaluate("ring => getComputedStyle(ring).stroke")
    assert ring_colour not in ("none", "")
    captions = harness.locator("figcaption.torchinspect-nan-caption")
    expect(captions).to_have_count(len(report.inputs) + 1)
    expect(captions.last).to_contain_text("output div")
    expect(harness.locator(".torchinspect-nan .torchinspect-inspector")).to_have_count(len(report.inputs) + 1)
    screenshot(harness, "find-nan-backward")
    ringed.click()
    expect(harness.locator(".torchinspect-nan-note")).to_have_text("the NaN or Inf began here")
    assert harness.errors.messages == []


def test_a_forward_nan_shows_the_op_inputs_and_output_in_a_dark_page(browser, repo_server: str, screenshot):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme="dark")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{repo_server}/tests/e2e/harness.html")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), Log(), nn.Linear(6, 1))
    report = torchinspect.find_nan(model, torch.randn(3, 4))
    mount_report(page, report)
    expect(page.locator(".torchinspect-nan-sentence")).to_have_text(report.sentence)
    expect(page.locator("figcaption.torchinspect-nan-caption").first).to_contain_text(
        f"input self · at [{', '.join(map(str, report.data['index']))}]: -"
    )
    expect(page.locator(".torchinspect-graph-box.is-nan-origin .torchinspect-graph-box-title")).to_have_text("LogBackward0")
    screenshot(page, "find-nan-forward-dark")
    context.close()
    assert errors == []


def test_hostile_module_names_are_shown_as_text(harness: Page):
    hostile = "<img src=x onerror=alert(1)>"
    dialogs: list[str] = []
    harness.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    model = nn.Sequential()
    model.add_module(hostile, Log())
    report = torchinspect.find_nan(model, -torch.ones(2))
    mount_report(harness, report)
    expect(harness.locator(".torchinspect-nan-sentence code").nth(1)).to_have_text(hostile)
    expect(harness.locator(".torchinspect-nan img")).to_have_count(0)
    assert dialogs == []
    assert harness.errors.messages == []


def test_a_clean_run_says_so(harness: Page):
    report = torchinspect.find_nan(lambda: torch.ones(3).exp().sum())
    mount_report(harness, report)
    expect(harness.locator(".torchinspect-nan-sentence")).to_have_text(report.sentence)
    expect(harness.locator(".torchinspect-nan .torchinspect-inspector")).to_have_count(0)
    expect(harness.locator(".torchinspect-graph-section")).to_have_count(0)


def test_the_lesson_finds_where_its_loss_turned_nan_in_jupyterlab(page: Page, jupyterlab, screenshot):
    open_and_run(page, jupyterlab, "06_computing_gradients.ipynb")
    report = page.locator(".jp-OutputArea-output .torchinspect-nan").first
    sentence = report.locator(".torchinspect-nan-sentence")
    expect(sentence).to_have_text(re.compile(r"^log at In\[\d+\]:8 made 4 NaN from 4 negative inputs, e\.g\. log\(-1\.929\)$"))
    expect(report.locator(".torchinspect-nan-source")).to_contain_text("loss = -torch.log(rate).mean()")
    expect(report.locator(".torchinspect-nan-file")).to_have_text(re.compile(r"^In\[\d+\]:8 in train_step$"))
    expect(report.locator(".torchinspect-graph-box.is-nan-origin .torchinspect-graph-box-title")).to_have_text("LogBackward0")
    page.evaluate("window.jupyterapp.shell.collapseLeft()")
    report.scroll_into_view_if_needed()
    sentence.evaluate("element => element.scrollIntoView({ block: 'start' })")
    screenshot(page, "find-nan-lesson-jupyterlab")
    assert page.errors.messages == []
    page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


REPORT_CELL = (
    "import torch, torchinspect\n"
    "x = torch.tensor([0.0, 4.0], requires_grad=True)\n"
    "torchinspect.find_nan(lambda: torch.sqrt(x).sum().backward())"
)


def test_a_reopened_notebook_draws_its_saved_report_without_the_kernel(page: Page, jupyterlab, screenshot):
    name = "saved_nan_report.ipynb"
    write_notebook(jupyterlab, name, [REPORT_CELL])
    open_notebook(page, jupyterlab, name)
    run_cell(page, 0)
    live = page.locator(".jp-OutputArea-output .torchinspect-nan-sentence")
    expect(live).to_contain_text("sqrt's backward (div) at In[", timeout=60_000)
    sentence = live.text_content()
    save_and_close(page, jupyterlab, name)
    open_notebook(page, jupyterlab, name)
    saved = page.locator(".jp-OutputArea-output .torchinspect-output .torchinspect-nan")
    expect(saved.locator(".torchinspect-nan-sentence")).to_have_text(sentence, timeout=60_000)
    expect(saved.locator(".torchinspect-graph-box.is-nan-origin .torchinspect-graph-box-title")).to_have_text("SqrtBackward0")
    expect(saved.locator(".torchinspect-inspector")).to_have_count(3)
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    screenshot(page, "find-nan-saved-report")
    assert page.errors.messages == []
    shut_down_kernels(jupyterlab, [name])
