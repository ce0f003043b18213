"""Every plugin file loads exactly as the Pipelines server loads it, and stays thin."""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(p for d in ("pipelines", "filters", "tools") for p in (ROOT / d).glob("*.py"))


def frontmatter(path: Path) -> dict[str, str]:
    """Parsed the way the server's ``parse_frontmatter`` does."""
    content = path.read_text()
    assert content.startswith('"""'), f"{path.name} must start with its frontmatter docstring"
    block = content[3 : content.find('"""', 3)]
    return {k.strip().lower(): v.strip() for k, v in
            (line.split(":", 1) for line in block.splitlines() if ":" in line)}


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_loads_like_the_server_loads_it(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name)}
    assert not calls & banned


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: p.name)
def test_every_valve_can_be_saved_from_the_admin_form(path):
    """Open WebUI renders a text or list valve holding '' or [] as a required empty input and
    refuses to save the form; unset valves are None instead."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    valves = module.Pipeline().valves
    empty = [name for name, value in valves.model_dump().items()
             if value == "" or value == [] and name != "local_model_path"]
    assert not empty, f"{path.name}: valves {empty} default to an empty value"
    type(valves)(**{**valves.model_dump(), **{n: None for n, f in type(valves).model_fields.items()
                                               if f.default is None}})
