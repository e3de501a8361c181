import pytest
import torch
from torch import nn

from torchinspect._kernel import notebook_namespace
from torchinspect.graph.naming import check_params, name_table


def test_a_mapping_names_its_tensors_by_identity():
    x, w = torch.zeros(2), torch.zeros(2)
    assert name_table({"x": x, "w": w, "note": "not a tensor"}) == {id(x): "x", id(w): "w"}


def test_an_equal_but_distinct_tensor_gets_no_name():
    x, equal = torch.zeros(2), torch.zeros(2)
    assert id(equal) not in name_table({"x": x})


def test_a_module_names_its_parameters_with_dotted_paths():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    names = name_table(model)
    assert names[id(model[0].weight)] == "0.weight"
    assert names[id(model[2].bias)] == "2.bias"


def test_a_tensor_with_several_names_takes_the_shortest_then_the_first():
    x = torch.zeros(2)
    assert name_table({"input": x, "x": x, "y": x}) == {id(x): "x"}


def test_a_shared_parameter_takes_its_shortest_name():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model.tied = model[1]
    model[0].weight = model[1].weight
    assert name_table(model)[id(model[1].weight)] == "0.weight"


class _Renamed(nn.Sequential):
    """Lists its parameters under other names than its attributes': torch's named_parameters is the oracle."""

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        for name, parameter in super().named_parameters(prefix, recurse, remove_duplicate):
            yield f"renamed_{name}", parameter


def _torch_names(model: nn.Module) -> dict[int, str]:
    names: dict[int, str] = {}
    for name, parameter in model.named_parameters(remove_duplicate=False):
        if id(parameter) not in names or len(name) < len(names[id(parameter)]):
            names[id(parameter)] = name
    return names


@pytest.mark.parametrize(
    "build",
    [
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False),
        lambda: nn.Sequential(nn.Sequential(nn.Linear(2, 2, bias=False)), nn.Linear(2, 2)),
        lambda: nn.Sequential(nn.Linear(2, 2), _Renamed(nn.Linear(2, 2))),
        lambda: _Renamed(nn.Linear(2, 2), nn.Linear(2, 2)),
    ],
)
def test_a_module_s_parameters_are_named_as_torch_lists_them(build):
    model = build()
    assert name_table(model) == _torch_names(model)


def test_params_come_before_the_namespace():
    x = torch.zeros(2)
    assert name_table({"input": x}, {"x": x}) == {id(x): "input"}


def test_the_namespace_names_tensors_and_modules_parameters_and_skips_private_names():
    x, hidden = torch.zeros(2), torch.zeros(2)
    model = nn.Linear(2, 1)
    names = name_table(None, {"x": x, "_": hidden, "_5": x, "model": model, "n": 3})
    assert names == {id(x): "x", id(model.weight): "model.weight", id(model.bias): "model.bias"}


def test_outside_ipython_there_is_no_namespace(monkeypatch):
    IPython = pytest.importorskip("IPython")
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert notebook_namespace() is None


def test_inside_ipython_the_namespace_is_the_shell_s(monkeypatch):
    IPython = pytest.importorskip("IPython")
    namespace = {"x": torch.zeros(1)}

    class Shell:
        user_ns = namespace

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert notebook_namespace() is namespace


@pytest.mark.parametrize("params", [None, {}, {"x": torch.zeros(1)}, nn.Linear(1, 1)])
def test_accepted_params_pass_the_check(params):
    check_params(params, "autograd_graph")


def test_other_params_are_refused_with_what_to_pass():
    with pytest.raises(TypeError, match=r"^torchinspect\.f\(\) takes params as a mapping"):
        check_params([torch.zeros(1)], "f")


def test_naming_runs_no_code_of_the_user_s_objects():
    class Proxy:
        reads = 0

        @property
        def __class__(self):
            Proxy.reads += 1
            return torch.Tensor

    x = torch.ones(2)
    assert name_table(None, {"proxy": Proxy(), "x": x}) == {id(x): "x"}
    assert Proxy.reads == 0
