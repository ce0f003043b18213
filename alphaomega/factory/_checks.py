"""Per-file checks before a generated file is accepted: it parses, and every import resolves
inside the project, to the standard library or to a declared dependency. The file is read,
never run."""

from __future__ import annotations

import ast
import sys

from ._stages import GeneratedFile

# What a generated project may import besides itself and the standard library (top-level names
# of its requirements and what they pull in).
DEPENDENCIES = frozenset(
    {"fastapi", "starlette", "pydantic", "httpx", "uvicorn", "flask", "werkzeug", "pytest"}
)
MAX_FILE_BYTES = 200_000


def check_file(file: GeneratedFile, project: list[GeneratedFile]) -> str | None:
    """Why ``file`` is refused, or None when it is accepted."""
    if len(file.content.encode()) > MAX_FILE_BYTES:
        return f"{file.path} is larger than {MAX_FILE_BYTES} bytes"
    if not _safe_path(file.path):
        return f"{file.path} is not a path inside the project"
    if not file.path.endswith(".py"):
        return None
    try:
        tree = ast.parse(file.content, filename=file.path)
    except SyntaxError as exc:
        return f"{file.path}:{exc.lineno}: syntax error: {exc.msg}"
    modules = _project_modules(project)
    package = _package_of(file.path)
    for node in ast.walk(tree):
        for name in _imported(node, package):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in DEPENDENCIES or top == "__future__":
                continue
            if name in modules:
                continue
            if top == "conftest" and "tests/conftest.py" in {f.path for f in project}:
                continue
            return f"{file.path}:{node.lineno}: import of {name!r} resolves nowhere in the project"
    return None


def _safe_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and "" not in parts


def _project_modules(project: list[GeneratedFile]) -> set[str]:
    modules: set[str] = set()
    for f in project:
        if not f.path.endswith(".py"):
            continue
        dotted = f.path[:-3].replace("/", ".")
        if dotted.endswith(".__init__"):
            dotted = dotted[: -len(".__init__")]
        modules.add(dotted)
        parts = dotted.split(".")
        modules.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return modules


def _package_of(path: str) -> str:
    parts = path[:-3].split("/")
    return ".".join(parts[:-1])


def _imported(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level == 0:
            return [node.module or ""]
        base = package.split(".") if package else []
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        # "from . import x": x is a module of the package or a name its __init__ defines.
        return [".".join([*base, node.module] if node.module else base)]
    return []
