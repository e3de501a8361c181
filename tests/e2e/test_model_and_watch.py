"""inspect(model) and watch(model) in a real JupyterLab, read off the page as a learner reads it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from notebook_pages import open_notebook, run_cell, write_notebook

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


def test_inspect_of_the_lesson_mlp_fills_its_grads_after_backward_and_opens_a_parameter(page: Page, jupyterlab, screenshot):
    write_notebook(jupyterlab, "model_inspector.ipynb", MLP_CELLS)
    open_notebook(page, jupyterlab, "model_inspector.ipynb")
    run_cell(page, 0)
    view = page.locator(".torchinspect-model").filter(has_text="model: Sequential, 33 parameters (132 B), all trainable")
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
    expect(page.locator(".torchinspect-live-status").first).to_have_text("Live: updates after each cell that changes the model.")
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
    expect(view.locator(".torchinspect-model-module[data-path='3.1']")).to_contain_text("1 · BatchNorm2d8 parameters · 32 B · buffers 40 B")
    buffers = view.locator(".torchinspect-model-buffers tr.torchinspect-model-row")
    expect(buffers).to_have_count(6)
    expect(buffers.first).to_contain_text("1.running_mean")
    view.locator("tr[data-name='1.running_var'] button").click()
    expect(view.locator(".torchinspect-model-card .torchinspect-summary")).to_contain_text("1.running_var: tensor[4] float32")
    view.scroll_into_view_if_needed()
    screenshot(page, "model_inspector_cnn")
    assert page.errors.messages == []
