"""install_repr: the summary above torch's own repr, opt-in and removable; summary in plain Python."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

import torchinspect


@pytest.fixture
def plain_repr():
    """torch's own repr, checked to be back after each test."""
    original = torch.Tensor.__repr__
    yield original
    assert torch.Tensor.__repr__ is original


def test_importing_torchinspect_leaves_torch_repr_alone():
    script = textwrap.dedent("""
        import torch
        before = torch.Tensor.__repr__
        import torchinspect
        torchinspect.summary, torchinspect.inspect  # the lazy imports, done
        print(torch.Tensor.__repr__ is before)
    """)
    assert _run(["-c", script]).strip() == "True"


def test_the_summary_comes_first_and_torch_text_stays_whole(plain_repr):
    x = torch.tensor([1.0, 2.0, float("nan")], requires_grad=True)
    torch_text = repr(x)
    with torchinspect.install_repr():
        assert repr(x) == f"{torchinspect.summary(x)}\n{torch_text}"
        assert str(x) == repr(x)
        assert f"{x}" == repr(x)
    assert repr(x) == torch_text


def test_remove_gives_torch_its_repr_back_and_twice_is_harmless(plain_repr):
    handle = torchinspect.install_repr()
    assert torchinspect.install_repr() is handle
    handle.remove()
    handle.remove()
    assert repr(torch.zeros(2)) == "tensor([0., 0.])"


def test_a_parameter_keeps_its_own_words(plain_repr):
    parameter = torch.nn.Parameter(torch.ones(2))
    with torchinspect.install_repr():
        lines = repr(parameter).splitlines()
    assert lines[0] == "Parameter containing:"
    assert lines[1] == "tensor[2] float32 cpu all=1 requires_grad leaf grad=None"
    assert lines[2] == "tensor([1., 1.], requires_grad=True)"


def test_where_no_summary_can_be_made_torch_text_is_shown_alone(plain_repr, monkeypatch):
    from torchinspect.tensor import repr as tensor_repr

    def broken(_tensor):
        raise RuntimeError("cannot read this tensor")

    monkeypatch.setattr(tensor_repr, "summary", broken)
    with torchinspect.install_repr():
        assert repr(torch.ones(2)) == "tensor([1., 1.])"


def test_a_library_patched_on_top_keeps_its_repr_and_ours_passes_through(plain_repr):
    handle = torchinspect.install_repr()
    ours = torch.Tensor.__repr__
    torch.Tensor.__repr__ = lambda self, **kwargs: "other: " + ours(self, **kwargs)
    try:
        handle.remove()
        assert repr(torch.zeros(1)) == "other: tensor([0.])"
    finally:
        torch.Tensor.__repr__ = plain_repr


def test_meta_tensors_get_a_summary_without_values(plain_repr):
    with torchinspect.install_repr():
        assert repr(torch.empty(2, 3, device="meta")).splitlines()[0] == "tensor[2, 3] float32 meta"


# Set first in every plain-Python run below: ``import IPython`` then raises ImportError.
NO_IPYTHON = "import sys; sys.modules['IPython'] = None"


def _run(args: list[str], stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_summary_and_repr_work_without_ipython_or_widgets():
    out = _run(["-c", NO_IPYTHON + textwrap.dedent("""
        import torch, torchinspect
        x = torch.arange(4.0, requires_grad=True)
        print(torchinspect.summary(x))
        torchinspect.install_repr()
        print(x)
        print(sorted(name for name in ("IPython", "anywidget", "ipywidgets") if sys.modules.get(name)))
    """)])
    assert out.splitlines() == [
        "tensor[4] float32 cpu ∈[0, 3] μ=1.5 σ=1.291 requires_grad leaf grad=None",
        "tensor[4] float32 cpu ∈[0, 3] μ=1.5 σ=1.291 requires_grad leaf grad=None",
        "tensor([0., 1., 2., 3.], requires_grad=True)",
        "[]",
    ]


def test_the_interactive_interpreter_echoes_the_summary():
    session = "\n".join([
        NO_IPYTHON,
        "import torch, torchinspect",
        "handle = torchinspect.install_repr()",
        "torch.ones(2, 2) * 3",
        "handle.remove()",
        "torch.ones(2, 2) * 3",
        "",
    ])  # fmt: skip
    # Prompts go to stderr when stdin is not a terminal; what the interpreter echoes, to stdout.
    out = _run(["-q", "-i"], stdin=session)
    assert out.splitlines() == [
        "tensor[2, 2] float32 cpu all=3",
        "tensor([[3., 3.],",
        "        [3., 3.]])",
        "tensor([[3., 3.],",
        "        [3., 3.]])",
    ]
