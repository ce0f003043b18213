"""A plugin file rewritten for a target: its frontmatter names the pack, its code is guarded.

The file's own code is kept word for word, indented under ``else:`` of a ``try`` that imports
the pack: where the pack cannot be imported, a stand-in class with the same id says what to
install (in the server log and, for a model, in the chat) instead of a file the server moves
to ``failed/`` without a word. The templates are in ``data/*.tmpl``.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from importlib import resources
from string import Template

from ..errors import ConfigError
from ._plugins import PACKAGE, PluginFile

INDENT = "    "


def render(plugin: PluginFile, target: str, version: str) -> str:
    """The bundled file of ``plugin`` for ``target`` (``pipelines`` or ``functions``)."""
    source = plugin.path.read_text("utf-8")
    tree = ast.parse(source)
    docstring, imports, pack_imports, rest = _split(source, tree, plugin)
    requirement = plugin.requirements(version)
    values = {
        "docstring": with_requirements(docstring, requirement),
        "source": f"{plugin.folder}/{plugin.path.name}",
        "imports": "".join(f"{line}\n" for line in imports),
        "pack_imports": "".join(f"{INDENT}{line}\n" for line in pack_imports).rstrip("\n"),
        "rest": indent_code(rest).rstrip("\n"),
        "title": repr(plugin.title),
        "requirement": repr(plugin.pip_spec(version)),
        "plugin_type": repr(plugin.plugin_type),
        "plugin_id": repr(plugin.plugin_id),
        "class_name": plugin.class_name,
    }
    if plugin.folder == "tools":
        template = "tools_file.tmpl"
    elif target == "pipelines":
        template = "pipelines_file.tmpl"
        suffix = "" if plugin.plugin_type == "manifold" else " (not installed)"
        values["placeholder_name"] = repr(plugin.name + suffix)
    else:
        template = "functions_file.tmpl"
        is_filter = plugin.plugin_type == "filter"
        values["adapter"] = "FilterFunction" if is_filter else "PipeFunction"
        values["function_class"] = "Filter" if is_filter else "Pipe"
        values["placeholder_name"] = repr(plugin.name if not is_filter else plugin.title)
        values["user_valves"] = _user_valves(plugin)
    text = Template(_template(template)).substitute(values)
    _check_same_code(source, text, plugin)
    return text


def with_requirements(docstring: str, requirement: str) -> str:
    """The frontmatter docstring with one ``requirements:`` line naming ``requirement``."""
    lines = [ln for ln in docstring.splitlines() if not ln.lower().startswith("requirements:")]
    closing = len(lines) - 1  # the line holding the closing quotes
    lines.insert(closing, f"requirements: {requirement}")
    return "\n".join(lines)


def indent_code(code: str) -> str:
    """``code`` one level deeper, lines inside a multi-line string left as they are."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return "".join(
        line if (n in inside or not line.strip()) else INDENT + line
        for n, line in enumerate(code.splitlines(keepends=True), start=1)
    )


def _split(
    source: str, tree: ast.Module, plugin: PluginFile
) -> tuple[str, list[str], list[str], str]:
    """(docstring, other imports, the pack's imports, the rest of the code)."""
    body = list(tree.body)
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        raise ConfigError(f"{plugin.path.name} must start with its frontmatter docstring")
    lines = source.splitlines(keepends=True)
    docstring = "".join(lines[: first.end_lineno]).rstrip("\n")
    imports, pack_imports = [], []
    index = 1
    while index < len(body) and isinstance(body[index], ast.Import | ast.ImportFrom):
        node = body[index]
        text = ast.get_source_segment(source, node) or ""
        (pack_imports if _imports_pack(node) else imports).append(text)
        index += 1
    if any(_imports_pack(n) for n in ast.walk(tree) if n not in body[:index]):
        raise ConfigError(
            f"{plugin.path.name}: import the pack at the top of the file, before any code"
        )
    if not pack_imports:
        raise ConfigError(f"{plugin.path.name} does not import {PACKAGE}")
    start = body[index - 1].end_lineno if index > 1 else first.end_lineno
    rest = "".join(lines[start:]).lstrip("\n")
    return docstring, imports, pack_imports, rest


def _imports_pack(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == PACKAGE for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return not node.level and (node.module or "").split(".")[0] == PACKAGE
    return False


def _user_valves(plugin: PluginFile) -> str:
    """A ``UserValves`` switch for the filters a person may turn off for themselves."""
    switches = json.loads(_template("user_switches.json"))
    label = switches.get(plugin.plugin_id)
    return f"{INDENT * 2}user_switch = {label!r}\n" if label else ""


def _template(name: str) -> str:
    return resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8")


def _check_same_code(source: str, bundled: str, plugin: PluginFile) -> None:
    """The bundled file compiles and runs the original's code statement for statement."""
    try:
        tree = ast.parse(bundled)
    except SyntaxError as exc:
        raise ConfigError(f"bundling {plugin.path.name} made invalid Python: {exc}") from exc
    original = ast.parse(source).body[1:]
    guard = next(n for n in tree.body if isinstance(n, ast.Try))
    kept = [n for n in tree.body[1:] if n is not guard and not _imports_pack(n)]
    kept += list(guard.body) + list(guard.orelse)
    dumped = {ast.dump(n) for n in kept}
    missing = [n for n in original if ast.dump(n) not in dumped]
    if missing:
        raise ConfigError(
            f"bundling {plugin.path.name} changed its code near line {missing[0].lineno}"
        )
