"""The plugin files of a checkout, read without running them: frontmatter, class, ids, extras.

Everything the bundler needs comes from the file itself (its docstring frontmatter, the
``self.type``/``self.id``/``self.name`` its constructor sets, the ``alphaomega`` modules it
imports) and from ``data/extras.json`` (which pip extras a module of the pack needs). A new
plugin in ``pipelines/``, ``filters/`` or ``tools/`` is bundled without a change here.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import ConfigError

PLUGIN_DIRS = ("pipelines", "filters", "tools")
PACKAGE = "alphaomega"


@dataclass(frozen=True)
class PluginFile:
    """One plugin file as the bundler sees it."""

    path: Path
    folder: str  # pipelines, filters or tools
    frontmatter: dict[str, str]  # keys lower-cased, in file order
    class_name: str  # Pipeline (pipelines, filters) or Tools
    plugin_type: str  # manifold, pipe, filter or tool
    plugin_id: str
    name: str
    pack_imports: tuple[str, ...]  # the alphaomega modules it imports
    extras: tuple[str, ...] = field(default=())

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def title(self) -> str:
        return self.frontmatter.get("title") or self.name or self.plugin_id

    def requirements(self, version: str) -> str:
        """The frontmatter requirements that make this plugin load: the pack at ``version``,
        one item per extra (both hosts split the line on commas, so ``pkg[a,b]`` would break)."""
        items = [f"{PACKAGE}[{extra}]=={version}" for extra in self.extras]
        return ", ".join(items or [f"{PACKAGE}=={version}"])

    def pip_spec(self, version: str) -> str:
        """The same as one argument of ``pip install``."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{PACKAGE}{extras}=={version}"


def discover(root: Path) -> list[PluginFile]:
    """Every plugin file under ``root``'s plugin folders, sorted by folder then name."""
    found = []
    for folder in PLUGIN_DIRS:
        for path in sorted((root / folder).glob("*.py")):
            if not path.name.startswith("_"):
                found.append(read_plugin(path, folder))
    if not found:
        raise ConfigError(f"no plugin files in {root} ({', '.join(PLUGIN_DIRS)})")
    return found


def read_plugin(path: Path, folder: str) -> PluginFile:
    source = path.read_text("utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ConfigError(f"{path.name} is not valid Python: {exc}") from exc
    meta = parse_frontmatter(source)
    class_name = "Tools" if folder == "tools" else "Pipeline"
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if cls is None:
        raise ConfigError(f"{path.name} has no class {class_name}")
    attrs = _constructor_constants(cls)
    plugin_type = "tool" if folder == "tools" else attrs.get("type", "pipe")
    imports = tuple(sorted(set(_pack_imports(tree))))
    return PluginFile(
        path=path,
        folder=folder,
        frontmatter=meta,
        class_name=class_name,
        plugin_type=plugin_type,
        plugin_id=attrs.get("id") or (f"{PACKAGE}_{path.stem}" if folder == "tools" else path.stem),
        name=attrs.get("name", meta.get("title", path.stem)),
        pack_imports=imports,
        extras=extras_for(imports, meta.get("extras", "")),
    )


def parse_frontmatter(source: str) -> dict[str, str]:
    """``key: value`` lines of the leading docstring, read as both hosts read them."""
    if not source.startswith('"""'):
        return {}
    end = source.find('"""', 3)
    if end == -1:
        return {}
    meta: dict[str, str] = {}
    for line in source[3:end].splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip().lower()] = value.strip()
    return meta


def extras_for(imports: tuple[str, ...], declared: str = "") -> tuple[str, ...]:
    """The pip extras the modules in ``imports`` need, plus those the frontmatter declares."""
    table = _extras_table()
    wanted: set[str] = {e.strip() for e in declared.split(",") if e.strip()}
    for module in imports:
        parts = module.split(".")
        for k in range(1, len(parts) + 1):
            wanted.update(table.get(".".join(parts[:k]), ()))
    return tuple(sorted(wanted))


def _extras_table() -> dict[str, list[str]]:
    text = resources.files(__package__).joinpath("data/extras.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("$")}


def _pack_imports(tree: ast.Module) -> list[str]:
    """The pack's modules a file imports (``from alphaomega import host`` counts as
    ``alphaomega.host``: it may be a subpackage)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
        elif (
            isinstance(node, ast.ImportFrom)
            and not node.level
            and (node.module or "").split(".")[0] == PACKAGE
        ):
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _constructor_constants(cls: ast.ClassDef) -> dict[str, str]:
    """``self.X = "literal"`` assignments in the class's ``__init__``."""
    found: dict[str, str] = {}
    init = next(
        (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    for node in ast.walk(init) if init else ():
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(target := node.targets[0], ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found.setdefault(target.attr, node.value.value)
    return found
