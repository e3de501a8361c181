"""inspect(model) and watch(model) in a real JupyterLab, read off the page as a learner reads it."""

from __future__ import annotations

import torch
from playwright.sync_api import Browser, Page, expect
from torch import nn

import torchinspect
from notebook_pages import open_notebook, run_cell, save_and_close, shut_down_kernels, write_and_run, write_notebook

MLP_CELLS = [
    "import torch\nfrom torch import nn\nfrom torchinspect import inspect\ntorch.manual_seed(0)\n"
    "model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))\ninspect(model, name='model')",
    "points, targets = torch.randn(16, 2), torch.randn(16, 1)\n"
    "nn.functional.mse_loss(model(points), targets).backward()",
    "cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),\n"
    "                    nn.Sequential(nn.Conv2d(4, 4, 3), nn.BatchNorm2d(4)), nn.Flatten())\n"
    "cnn(torch.randn(2, 3, 6, 6))\ninspect(cnn, name='cnn')",
]


def grad_cells(view) -> list[str]:
    return view.locator(".torchinspect-model-parameters tr.torchinspect-model-row").evaluate_all(
        "rows => rows.map(row => row.cells[6].textContent)"
    )


def test_inspect_of_the_lesson_mlp_fills_its_grads_after_backward_and_opens_a_parameter(
    page: Page, jupyterlab, screenshot
):
    write_notebook(jupyterlab, "model_inspector.ipynb", MLP_CELLS)
    open_notebook(page, jupyterlab, "model_inspector.ipynb")
    run_cell(page, 0)
    view = page.locator(".torchinspect-model").filter(
        has_text="model: Sequential, 33 parameters (132 B), all trainable"
    )
    expect(view).to_be_visible()
    modules = view.locator(".torchinspect-model-module")
    expect(modules).to_have_count(4)
    expect(modules.nth(1)).to_contain_text("0 · Linear24 parameters · 96 B")
    assert grad_cells(view) == ["none"] * 4
    run_cell(page, 1)
    expect(view.locator("tr[data-name='0.weight'] td").nth(6)).not_to_have_text("none")
    assert all(cell.replace(".", "").replace("e-", "").isdigit() for cell in grad_cells(view)), grad_cells(view)
    view.locator("button.torchinspect-model-open", has_text="2.weight").click()
    card = view.locator(".torchinspect-model-card .torchinspect-summary")
    expect(card).to_contain_text("2.weight: tensor[1, 8] float32")
    expect(card).to_contain_text("grad=tensor[1, 8]")
    expect(page.locator(".torchinspect-live-status").first).to_have_text(
        "Live: updates after each cell that changes the model."
    )
    screenshot(page, "model_inspector_mlp")
    # Folding the model hides its modules.
    view.locator(".torchinspect-model-toggle").first.click()
    expect(modules).to_have_count(1)
    assert page.errors.messages == []


def test_inspect_of_a_batchnorm_cnn_lists_its_running_statistics(page: Page, jupyterlab, screenshot):
    write_notebook(jupyterlab, "model_inspector_cnn.ipynb", MLP_CELLS)
    open_notebook(page, jupyterlab, "model_inspector_cnn.ipynb")
    run_cell(page, 0)
    run_cell(page, 2)
    view = page.locator(".torchinspect-model").filter(has_text="cnn: Sequential")
    expect(view.locator(".torchinspect-model-module")).to_have_count(8)
    expect(view.locator(".torchinspect-model-module[data-path='3.1']")).to_contain_text(
        "1 · BatchNorm2d8 parameters · 32 B · buffers 40 B"
    )
    buffers = view.locator(".torchinspect-model-buffers tr.torchinspect-model-row")
    expect(buffers).to_have_count(6)
    expect(buffers.first).to_contain_text("1.running_mean")
    view.locator("tr[data-name='1.running_var'] button").click()
    expect(view.locator(".torchinspect-model-card .torchinspect-summary")).to_contain_text(
        "1.running_var: tensor[4] float32"
    )
    view.scroll_into_view_if_needed()
    screenshot(page, "model_inspector_cnn")
    assert page.errors.messages == []


WATCH_CELLS = [
    "import time, torch\nfrom torch import nn\nimport torchinspect\ntorch.manual_seed(0)\n"
    "model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))\n"
    "with torch.no_grad():\n    model[4].weight.mul_(1e4)  # planted: the layers under it get exploding gradients\n"
    "optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)\nw = torchinspect.watch(model, optimizer)\nw",
    "for step in range(200):\n    x = torch.randn(64, 4)\n    optimizer.zero_grad()\n"
    "    loss = nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))\n    loss.backward()\n"
    "    optimizer.step()\n    w.log(loss)\n    time.sleep(0.02)",
]


def steps_shown(page: Page) -> int | None:
    text = page.locator(".torchinspect-watch-status").text_content() or ""
    words = text.split(" · ")
    return int(words[1].split()[0]) if len(words) > 1 else None


def test_a_200_step_loop_fills_the_watch_while_it_runs_and_flags_the_exploding_layer(
    page: Page, jupyterlab, screenshot
):
    write_notebook(jupyterlab, "watch_training.ipynb", WATCH_CELLS)
    open_notebook(page, jupyterlab, "watch_training.ipynb")
    run_cell(page, 0)
    expect(page.locator(".torchinspect-watch-status")).to_have_text("Watching · 0 steps · recording every step")
    # Start the loop without waiting for it, and read the page while the kernel is busy.
    page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCellIndex = 1;
            void window.jupyterapp.commands.execute('notebook:run-cell');
        }"""
    )
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy'"
    )
    seen_while_running = set()
    while page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status") == "busy":
        shown = steps_shown(page)
        if shown is not None and 0 < shown < 200:
            seen_while_running.add(shown)
        page.wait_for_timeout(150)
    assert len(seen_while_running) >= 3, f"steps the page showed while the cell ran: {sorted(seen_while_running)}"
    expect(page.locator(".torchinspect-watch-status")).to_have_text("Watching · 200 steps · recording every step")
    names = page.locator(".torchinspect-watch-parameters tr.torchinspect-model-row").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    )
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    flag = page.locator(".torchinspect-watch-flag[data-kind='exploding']")
    expect(flag).to_contain_text("Exploding gradients: 0.weight")
    expect(flag).to_contain_text("clip_grad_norm_")
    expect(page.locator(".torchinspect-watch-heatmap canvas")).to_have_count(2)
    expect(page.locator(".torchinspect-watch-loss h4")).to_contain_text("at step 200")
    # A click on another module shows its histograms.
    page.locator(".torchinspect-watch-modules button", has_text="3 · ReLU").click()
    expect(page.locator(".torchinspect-watch-heatmaps h4")).to_have_text("Histograms over steps: 3 · ReLU")
    expect(page.locator(".torchinspect-watch-heatmap canvas")).to_have_count(1)  # a ReLU has no parameters
    page.locator(".torchinspect-watch-modules button", has_text="0 · Linear").click()
    page.locator(".torchinspect-watch").scroll_into_view_if_needed()
    screenshot(page, "watch_200_steps")
    assert page.errors.messages == []


def exploding_run(steps: int) -> torchinspect.training.widget.Watch:
    """WATCH_CELLS' planted exploding layer, trained here, stopped."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    with torch.no_grad():
        model[4].weight.mul_(1e4)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-9)
    with torchinspect.watch(model, optimizer) as w:
        for _ in range(steps):
            x = torch.randn(64, 4)
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), x.sum(1, keepdim=True))
            loss.backward()
            optimizer.step()
            w.log(loss)
    return w


def test_an_exported_watch_opens_offline_with_its_steps_parameters_flags_and_heatmaps(
    browser: Browser, tmp_path, screenshot
):
    path = torchinspect.export_html(exploding_run(40), tmp_path / "watch.html")
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, offline=True)
    refused: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file://")
            else (refused.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    expect(page.locator(".torchinspect-watch-status")).to_have_text(
        "Stopped: hooks removed · 40 steps · recording every step"
    )
    names = page.locator(".torchinspect-watch-parameters tr.torchinspect-model-row").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    )
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    expect(page.locator(".torchinspect-watch-flag[data-kind='exploding']")).to_contain_text(
        "Exploding gradients: 0.weight"
    )
    expect(page.locator(".torchinspect-watch-heatmap canvas")).to_have_count(2)
    expect(page.locator(".torchinspect-watch-loss h4")).to_contain_text("at step 40")
    screenshot(page, "watch_exported")
    assert (refused, errors) == ([], [])
    context.close()


SAVED_CELLS = [
    MLP_CELLS[0],
    MLP_CELLS[1],
    "import torchinspect\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nw = torchinspect.watch(model, optimizer)\nw",
    "for step in range(30):\n    optimizer.zero_grad()\n"
    "    loss = nn.functional.mse_loss(model(points), targets)\n    loss.backward()\n    optimizer.step()\n    w.log(loss)",
]


def test_a_reopened_notebook_shows_the_saved_model_and_the_watch_s_last_step(page: Page, jupyterlab, screenshot):
    name = "saved_model_watch.ipynb"
    write_and_run(page, jupyterlab, name, SAVED_CELLS)
    expect(page.locator(".torchinspect-watch-status")).to_have_text("Watching · 30 steps · recording every step")
    save_and_close(page, jupyterlab, name)
    open_notebook(page, jupyterlab, name)
    saved = page.locator(".jp-OutputArea-output .torchinspect-output")
    expect(saved).to_have_count(2, timeout=60_000)
    # The model as of its cell (before backward()), without a live bar; the watch as of its last step.
    model = saved.nth(0).locator(".torchinspect-model")
    expect(model.locator(".torchinspect-summary")).to_have_text(
        "model: Sequential, 33 parameters (132 B), all trainable"
    )
    expect(model.locator(".torchinspect-model-module")).to_have_count(4)
    assert grad_cells(model) == ["none"] * 4
    watch = saved.nth(1).locator(".torchinspect-watch")
    expect(watch.locator(".torchinspect-watch-status")).to_have_text("Watching · 30 steps · recording every step")
    names = watch.locator(".torchinspect-watch-parameters tr.torchinspect-model-row").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    )
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    expect(page.locator(".torchinspect-livebar")).to_have_count(0)
    expect(page.get_by_text("Error displaying widget")).to_have_count(0)
    watch.scroll_into_view_if_needed()
    screenshot(page, "lab_saved_model_and_watch")
    assert page.errors.messages == []
    shut_down_kernels(jupyterlab, [name])
