"""The package's import graph has no cycle, and plugin files use only its public surface.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: an import made lazy
to dodge a cycle is still a cycle. Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``
first, so those packages count as imported too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "alphaomega"
PLUGIN_DIRS = ("pipelines", "filters")


def module_names(package: Path) -> dict[str, tuple[Path, str]]:
    """Dotted name -> (file, the package a relative import in it starts from)."""
    names = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
            home = ".".join(parts)
        else:
            home = ".".join(parts[:-1])
        names[".".join(parts)] = (path, home)
    return names


def imported_names(tree: ast.AST, home: str) -> Iterator[str]:
    """Every dotted name an import in ``tree`` may load, relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = home.split(".")[: len(home.split(".")) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def import_graph(package: Path) -> dict[str, set[str]]:
    names = module_names(package)
    graph: dict[str, set[str]] = {}
    for name, (path, home) in names.items():
        own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 2)}
        deps: set[str] = set()
        for imported in imported_names(ast.parse(path.read_text("utf-8")), home):
            parts = imported.split(".")
            # The module itself and every package above it run on import.
            deps |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)} & names.keys()
        graph[name] = deps - own
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph(PACKAGE)) == []


def test_the_cycle_finder_sees_a_lazy_import_and_a_package_init(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .inner import thing\n")
    (package / "sub" / "inner.py").write_text("thing = 1\n")
    (package / "top.py").write_text("from .sub.inner import thing\n")
    (package / "other.py").write_text("def f():\n    from . import top\n")
    (package / "sub" / "more.py").write_text("from ..other import f\n")
    assert cycles(import_graph(package)) == []
    (package / "sub" / "inner.py").write_text("def g():\n    from ..top import x\n")
    assert cycles(import_graph(package)) == [["pkg.sub", "pkg.sub.inner", "pkg.top"]]


def public_modules(package: Path) -> set[str]:
    """The package and its subpackages whose names do not start with ``_``."""
    found = {package.name}
    for init in package.glob("*/__init__.py"):
        if not init.parent.name.startswith("_"):
            found.add(f"{package.name}.{init.parent.name}")
    return found


def plugin_imports() -> Iterator[tuple[str, str, str]]:
    """(plugin file, module, name) for every ``alphaomega`` import of the plugin files."""
    for directory in PLUGIN_DIRS:
        for path in sorted((ROOT / directory).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "alphaomega"
                ):
                    for alias in node.names:
                        yield f"{directory}/{path.name}", node.module or "", alias.name
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.startswith("alphaomega"):
                            yield f"{directory}/{path.name}", alias.name, ""


PLUGIN_IMPORTS = list(plugin_imports())


def test_plugin_files_import_the_pack():
    assert {plugin for plugin, _, _ in PLUGIN_IMPORTS} >= {
        "pipelines/code_pipeline.py",
        "filters/safety_filter.py",
    }


@pytest.mark.parametrize(("plugin", "module", "name"), PLUGIN_IMPORTS)
def test_plugin_files_import_only_public_names(plugin, module, name):
    public = public_modules(PACKAGE)
    if module == "alphaomega":
        assert f"alphaomega.{name}" in public or (
            not name.startswith("_") and f"alphaomega.{name}" not in module_names(PACKAGE)
        ), f"{plugin} imports the module alphaomega.{name}, not a public name"
    else:
        assert module in public, f"{plugin} imports from {module}, inside a subpackage"
    assert not name.startswith("_"), f"{plugin} imports the private name {name}"
