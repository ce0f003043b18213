"""Every file in tools/ is a thin Open WebUI Tools file: frontmatter, ``class Tools``, valves
with descriptions, and a docstring on each tool (Open WebUI builds the model's spec from it)."""

import inspect
from pathlib import Path

import pytest

from alphaomega.distribution import parse_frontmatter
from tests.plugin_files import load_plugin_module

ROOT = Path(__file__).resolve().parents[2]
TOOLS = sorted((ROOT / "tools").glob("*.py"))


@pytest.mark.parametrize("path", TOOLS, ids=lambda p: p.name)
def test_a_tools_file_is_thin_and_described(path, pack):
    meta = parse_frontmatter(path.read_text())
    assert meta.get("title") and meta.get("description")
    assert "requirements" not in meta, "the bundler adds them; the repository file installs nothing"
    tools = load_plugin_module(path).Tools()
    valves = getattr(tools, "valves", None)
    fields = type(valves).model_fields if valves is not None else {}
    for name, field in fields.items():
        assert field.description, f"valve {name} of {path.name} needs a description"
    methods = [
        m
        for name, m in inspect.getmembers(tools, callable)
        if not name.startswith("_") and not inspect.isclass(m)
    ]
    assert methods, f"{path.name} offers no tool"
    for method in methods:
        assert inspect.iscoroutinefunction(method), f"{method.__name__} must not block the loop"
        assert (method.__doc__ or "").strip(), f"{method.__name__} needs a docstring"
