"""Names for leaves and parameters: from a params mapping, a module, the notebook.

A name table maps ``id(tensor)`` to the name a learner wrote for that tensor.
Tensors are matched by identity, never by evaluating text, and the table is
only valid while the mappings it was built from keep their tensors alive: build
it, use it and drop it inside one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

NameTable = dict[int, str]


def name_table(params: Any = None, namespace: Mapping[str, Any] | None = None) -> NameTable:
    """Names by tensor identity: ``params`` first, then the namespace.

    ``params`` is a name → tensor mapping or an ``nn.Module`` (its named
    parameters). In the namespace, tensors are named by their variable and
    modules lend their parameters dotted names (``model.0.weight``); names that
    start with ``_`` are skipped. Within one source, a tensor with several names
    takes the shortest, the first one on a tie.
    """
    table = _module_names(params) if isinstance(params, torch.nn.Module) else _shortest_names(_params_pairs(params))
    if namespace is not None:
        for key, name in _namespace_names(namespace).items():
            table.setdefault(key, name)
    return table


def check_params(params: Any, function: str) -> None:
    """Raise a TypeError that says what to pass if ``params`` cannot name tensors."""
    # A module first: isinstance(module, Mapping) asks the ABC's subclass hook.
    if params is None or isinstance(params, (torch.nn.Module, Mapping)):
        return
    raise TypeError(
        f"torchinspect.{function}() takes params as a mapping of names to tensors, such as "
        f"{{'x': x}} or dict(model.named_parameters()), or as an nn.Module; "
        f"got {type(params).__module__}.{type(params).__qualname__}."
    )


def _params_pairs(params: Any) -> Iterable[tuple[str, Any]]:
    return () if params is None else params.items()


def _namespace_names(namespace: Mapping[str, Any]) -> NameTable:
    names: NameTable = {}
    # issubclass(type(...)), not isinstance(): isinstance reads a proxy's __class__, which
    # may run the user's code, and naming must not.
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if issubclass(type(value), torch.nn.Module):
            # Its shortest names are the shortest with its variable's name before them.
            for key, parameter_name in _module_names(value).items():
                _keep_shorter(names, key, f"{name}.{parameter_name}")
        elif issubclass(type(value), _TENSOR):
            _keep_shorter(names, id(value), name)
    return names


def _keep_shorter(names: NameTable, key: int, name: str) -> None:
    known = names.get(key)
    if known is None or len(name) < len(known):
        names[key] = name


_MODULE = torch.nn.Module
_TENSOR = torch.Tensor


def _module_names(module: torch.nn.Module) -> NameTable:
    """The module's parameters by identity, each by its shortest name in
    ``module.named_parameters(remove_duplicate=False)``, the first on a tie.

    Read straight from each module's ``_parameters`` and ``_modules`` in torch's order (a module's
    own, then each child's, depth first), into the table itself: torch's nested generators took
    twice as long, 5% of a small model's graph snapshot, and a list of pairs between a fifth
    more. A module whose class lists them its own way is asked itself.
    """
    kind = type(module)
    if kind.named_parameters is _MODULE.named_parameters and kind._named_members is _MODULE._named_members:
        names: NameTable = {}
        if _add_names(module, "", names, names.get):
            return names
    return _shortest_names(module.named_parameters(remove_duplicate=False))


def _add_names(module: torch.nn.Module, prefix: str, names: NameTable, known_name: Callable[[int], str | None]) -> bool:
    """Add the names of the parameters of ``module`` and its children to ``names``; False where a
    module's class lists its children its own way."""
    if type(module).named_modules is not _MODULE.named_modules:
        return False
    for name, value in module._parameters.items():
        if issubclass(type(value), _TENSOR):  # not None, where a parameter was removed
            key = id(value)
            known = known_name(key)
            if known is None or len(prefix) + len(name) < len(known):
                names[key] = prefix + name
    for name, child in module._modules.items():
        if child is not None and not _add_names(child, f"{prefix}{name}.", names, known_name):
            return False
    return True


def _shortest_names(pairs: Iterable[tuple[str, Any]]) -> NameTable:
    names: NameTable = {}
    known_name, tensor = names.get, _TENSOR  # local: once per parameter of a model
    for name, value in pairs:
        if not issubclass(type(value), tensor):
            continue
        key = id(value)
        known = known_name(key)
        if known is None or len(name) < len(known):
            names[key] = name
    return names
