"""Names for leaves and parameters: from a params mapping, a module, the notebook.

A name table maps ``id(tensor)`` to the name a learner wrote for that tensor.
Tensors are matched by identity, never by evaluating text, and the table is
only valid while the mappings it was built from keep their tensors alive: build
it, use it and drop it inside one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    table = _shortest_names(_params_pairs(params))
    if namespace is not None:
        for key, name in _shortest_names(_namespace_pairs(namespace)).items():
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
    if params is None:
        return ()
    if isinstance(params, torch.nn.Module):
        return _named_parameters(params)
    return params.items()


def _namespace_pairs(namespace: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    # issubclass(type(...)), not isinstance(): isinstance reads a proxy's __class__, which
    # may run the user's code, and naming must not.
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if issubclass(type(value), torch.nn.Module):
            for parameter_name, parameter in _named_parameters(value):
                yield f"{name}.{parameter_name}", parameter
        else:
            yield name, value


_MODULE = torch.nn.Module


def _named_parameters(module: torch.nn.Module) -> list[tuple[str, Any]]:
    """``module.named_parameters(remove_duplicate=False)``, read straight from each module's
    ``_parameters`` and ``_modules`` in torch's order (a module's own, then each child's, depth
    first): torch's nested generators took twice as long, 5% of a small model's graph snapshot.
    A module whose class lists them its own way is asked itself."""
    kind = type(module)
    if kind.named_parameters is _MODULE.named_parameters and kind._named_members is _MODULE._named_members:
        pairs: list[tuple[str, Any]] = []
        if _add_parameters(module, "", pairs):
            return pairs
    return list(module.named_parameters(remove_duplicate=False))


def _add_parameters(module: torch.nn.Module, prefix: str, pairs: list[tuple[str, Any]]) -> bool:
    """Add the parameters of ``module`` and its children to ``pairs``; False where a module's
    class lists its children its own way."""
    if type(module).named_modules is not _MODULE.named_modules:
        return False
    for name, value in module._parameters.items():
        if value is not None:
            pairs.append((prefix + name, value))
    for name, child in module._modules.items():
        if child is not None and not _add_parameters(child, f"{prefix}{name}.", pairs):
            return False
    return True


def _shortest_names(pairs: Iterable[tuple[str, Any]]) -> NameTable:
    names: NameTable = {}
    known_name, tensor = names.get, torch.Tensor  # local: once per parameter of a model
    for name, value in pairs:
        if not issubclass(type(value), tensor):
            continue
        key = id(value)
        known = known_name(key)
        if known is None or len(name) < len(known):
            names[key] = name
    return names
