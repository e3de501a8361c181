"""The package's layout keeps its promises: no import cycle, no private name used across modules.

Read from the source with ``ast``, so every import counts, those inside functions and under
``TYPE_CHECKING`` too.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parents[2] / "py_src" / "torchinspect"


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(module: str, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """(module, name) for each name an import statement takes from this package."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        package = module.split(".")[: len(module.split(".")) - node.level + (module_is_package(module))]
        base = ".".join([*package, *filter(None, [node.module])])
    if base not in MODULES:
        return []
    return [(f"{base}.{alias.name}", None) if f"{base}.{alias.name}" in MODULES else (base, alias.name) for alias in node.names]


def module_is_package(module: str) -> int:
    return int(MODULES[module].name == "__init__.py")


def imports_of(module: str) -> list[tuple[str, str | None]]:
    tree = ast.parse(MODULES[module].read_text())
    return [
        pair
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for pair in imported(module, node)
    ]


def private_attributes_of(module: str) -> list[tuple[str, str]]:
    """(module, name) for each ``alias._name`` read off a module of this package imported whole."""
    tree = ast.parse(MODULES[module].read_text())
    aliases = {
        (alias.asname or alias.name): target
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias, (target, name) in zip(node.names, imported(module, node))
        if name is None and isinstance(node, ast.ImportFrom)
    }
    return [
        (aliases[node.value.id], node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        and node.attr.startswith("_") and not node.attr.startswith("__")
    ]


def cycles() -> list[list[str]]:
    graph = {module: sorted({target for target, _ in imports_of(module) if target != module}) for module in MODULES}
    found, state = [], dict.fromkeys(graph, "new")
    for start in graph:
        if state[start] != "new":
            continue
        stack, path = [(start, iter(graph[start]))], [start]
        state[start] = "open"
        while stack:
            module, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                path.pop()
                state[module] = "done"
            elif state[target] == "open":
                found.append(path[path.index(target):] + [target])
            elif state[target] == "new":
                state[target] = "open"
                stack.append((target, iter(graph[target])))
                path.append(target)
    return found


def test_the_package_has_no_import_cycle():
    assert cycles() == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_uses_another_modules_private_names(module):
    taken = [(source, name) for source, name in imports_of(module) if name is not None and name.startswith("_")]
    taken += private_attributes_of(module)
    assert [pair for pair in taken if pair[1] != "__version__"] == []
