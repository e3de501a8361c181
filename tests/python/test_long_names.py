"""Names the user's program gives (module and parameter paths, a model's name) reach a widget's
state shortened past 200 characters, as the graph's are (long_texts.short_text): one module
named by 100,000 characters made inspect_model's state 302 KB, and a saved notebook keeps it."""

import torch
from jupyter_client.session import json_packer

from torchinspect.graph.long_texts import TEXT_CHARACTERS, short_text
from torchinspect.graph.wire import FIRST_PAYLOAD_BYTES
from torchinspect.model.widget import inspect_model
from torchinspect.tensor.snapshot import jsonable

LONG = "block_with_a_long_name_" * 5_000


def strings_in(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*data.keys(), *(text for value in data.values() for text in strings_in(value))]
    if isinstance(data, list):
        return [text for value in data for text in strings_in(value)]
    return []


def model_with_a_long_module_name() -> torch.nn.Module:
    model = torch.nn.Sequential()
    model.add_module(LONG, torch.nn.Linear(3, 3))
    model.add_module("head", torch.nn.Linear(3, 1))
    return model


def test_inspect_model_lists_long_names_shortened_and_opens_their_parameters_by_them():
    model = model_with_a_long_module_name()
    widget = inspect_model(model, name="m" * 100_000)
    assert max(map(len, strings_in(widget.model))) <= TEXT_CHARACTERS
    assert len(json_packer(widget.model)) <= 8_000  # was 302 KB
    assert len(json_packer(widget._repr_mimebundle_()[0])) <= FIRST_PAYLOAD_BYTES
    listed = [parameter["name"] for parameter in widget.model["parameters"]]
    assert listed[0] == short_text(f"{LONG}.weight") and listed[0].endswith("name_.weight")
    widget.selected = listed[0]  # as the page sets it, from the row it lists
    assert widget.parameter["shape"] == [3, 3] and widget.parameter["name"] == listed[0]
    widget.selected = f"{LONG}.bias"  # a name in full, as the user's code may set it
    assert widget.parameter["shape"] == [3]


def test_watch_sends_long_module_and_parameter_names_shortened():
    import torchinspect

    model = model_with_a_long_module_name()
    watched = torchinspect.watch(model)
    for _ in range(3):
        loss = model(torch.randn(4, 3)).pow(2).sum()
        loss.backward()
        watched.log(loss)
    shown = watched.watch
    assert [row["name"] for row in shown["modules"]][:2] == [short_text(LONG), "head"]
    assert max(map(len, strings_in(shown))) <= TEXT_CHARACTERS
    assert len(json_packer(jsonable(shown))) <= 16_000  # was 301 KB
    assert watched.module_names[0] == LONG  # the Python API keeps every name whole


def test_a_find_nan_report_shows_a_long_module_name_shortened_and_keeps_it_whole_as_data():
    import torchinspect
    from torchinspect.nan.widget import MIME_TYPE

    model = model_with_a_long_module_name()
    report = torchinspect.find_nan(lambda x: torch.log(model(x) - 100), torch.randn(2, 3))
    bundle = report._repr_mimebundle_()
    saved = (bundle[0] if isinstance(bundle, tuple) else bundle)[MIME_TYPE]
    assert max(map(len, strings_in(saved))) <= TEXT_CHARACTERS
    assert len(json_packer(saved)) <= 16_000  # was 606 KB
    assert LONG in json_packer(report.data).decode()
