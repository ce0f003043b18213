"""Every plugin file loads exactly as the Pipelines server loads it, and stays thin."""

import ast
from pathlib import Path

import pytest

from tests.plugin_files import load_plugin_module

ROOT = Path(__file__).resolve().parent.parent
# Tools (class Tools, for Open WebUI) are checked in tests/tools.
PLUGINS = sorted(p for d in ("pipelines", "filters") for p in (ROOT / d).glob("*.py"))


def frontmatter(path: Path) -> dict[str, str]:
    """Parsed the way the server's ``parse_frontmatter`` does."""
    content = path.read_text()
    assert content.startswith('"""'), f"{path.name} must start with its frontmatter docstring"
    block = content[3 : content.find('"""', 3)]
    return {
        k.strip().lower(): v.strip()
        for k, v in (line.split(":", 1) for line in block.splitlines() if ":" in line)
    }


def plugin_class(module):
    """``Pipeline`` of a Pipelines plugin, ``Tools`` of an Open WebUI workspace Tool."""
    return getattr(module, "Pipeline", None) or module.Tools


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_loads_like_the_server_loads_it(path):
    module = load_plugin_module(path)
    if path.parent.name == "tools":
        tool = module.Tools()
        assert [n for n in vars(module.Tools) if not n.startswith("_") and n != "Valves"]
        for field in type(tool.valves).model_fields.values():
            assert field.description
        return
    pipeline = module.Pipeline()
    assert pipeline.type in ("manifold", "filter", "pipe")
    assert pipeline.name
    for name, field in type(pipeline.valves).model_fields.items():
        assert field.description, f"valve {name} of {path.name} needs a description"
    if pipeline.type == "filter":
        assert hasattr(pipeline.valves, "pipelines") and hasattr(pipeline.valves, "priority")


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_frontmatter_installs_nothing_and_names_the_plugin(path):
    meta = frontmatter(path)
    assert "requirements" not in meta, "the server would pip-install on every load"
    for key in ("title", "version", "description"):
        assert meta.get(key), f"{path.name} frontmatter lacks {key}"


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_plugin_is_thin(path):
    tree = ast.parse(path.read_text())
    lines = len(path.read_text().splitlines())
    assert lines < 200, f"{path.name} has {lines} lines: move logic into alphaomega/"
    banned = {"eval", "exec", "print"}
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert not calls & banned


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_every_valve_can_be_saved_from_the_admin_form(path):
    """Open WebUI renders a text or list valve holding '' or [] as a required empty input and
    refuses to save the form; unset valves are None instead."""
    module = load_plugin_module(path)
    valves = plugin_class(module)().valves
    empty = [
        name
        for name, value in valves.model_dump().items()
        if value == "" or value == [] and name != "local_model_path"
    ]
    assert not empty, f"{path.name}: valves {empty} default to an empty value"
    type(valves)(
        **{
            **valves.model_dump(),
            **{n: None for n, f in type(valves).model_fields.items() if f.default is None},
        }
    )


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_valves_are_declared_in_the_core(path):
    """A plugin's Valves are its core settings model (declared once, with the descriptions the
    admin panel shows), subclassed, not fields copied into the plugin file."""
    module = load_plugin_module(path)
    valves = plugin_class(module).Valves
    cores = [base for base in valves.__mro__[1:] if base.__module__.startswith("alphaomega.")]
    assert cores, f"{path.name}: Valves must subclass a settings model of the alphaomega package"
    own = set(valves.__annotations__) if "__annotations__" in vars(valves) else set()
    core_fields = set(cores[0].model_fields)
    # Overriding a core field (a plugin-specific default) is fine; new fields are not.
    assert own <= core_fields | {"pipelines", "priority"}, f"{path.name}: {own - core_fields}"
