"""The bundler over whatever plugin files the checkout has: each bundled file names the pack
with the extras it needs, keeps the plugin's code, and loads to the same plugin."""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from alphaomega import __version__
from alphaomega.distribution import bundle, discover, parse_frontmatter
from alphaomega.distribution._wrap import indent_code
from alphaomega.errors import ConfigError
from tests.plugin_files import load_plugin_module

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = discover(ROOT)
SERVER_PLUGINS = [p for p in PLUGINS if p.folder != "tools"]


@pytest.fixture(scope="module")
def pipelines_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipelines")
    bundle("pipelines", out, root=ROOT, wheel=False)
    return out


@pytest.fixture(scope="module")
def functions_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("functions")
    bundle("functions", out, root=ROOT, wheel=False)
    return out


def test_every_plugin_file_is_found():
    on_disk = sorted(
        p.relative_to(ROOT).as_posix()
        for d in ("pipelines", "filters", "tools")
        for p in (ROOT / d).glob("*.py")
        if not p.name.startswith("_")
    )
    assert sorted(f"{p.folder}/{p.path.name}" for p in PLUGINS) == on_disk


@pytest.mark.parametrize("plugin", SERVER_PLUGINS, ids=lambda p: p.path.name)
def test_requirements_name_the_pack_once_per_extra(plugin, pipelines_bundle):
    meta = parse_frontmatter((pipelines_bundle / plugin.path.name).read_text())
    items = [item.strip() for item in meta["requirements"].split(",")]  # as both hosts split
    assert items == [f"alphaomega[{extra}]=={__version__}" for extra in plugin.extras]
    assert "vision" in plugin.extras  # `import alphaomega` loads Pillow (the Vision core)
    if any(m.startswith("alphaomega.memory") for m in plugin.pack_imports):
        assert "memory" in plugin.extras
    assert meta["title"] == plugin.frontmatter["title"]


@pytest.mark.parametrize("plugin", SERVER_PLUGINS, ids=lambda p: p.path.name)
def test_the_bundled_file_is_the_same_plugin(plugin, pipelines_bundle, pack):
    original = load_plugin_module(plugin.path).Pipeline()
    bundled = load_plugin_module(pipelines_bundle / plugin.path.name).Pipeline()
    assert (bundled.type, bundled.id, bundled.name) == (original.type, original.id, original.name)
    assert bundled.valves.model_dump() == original.valves.model_dump()
    assert type(bundled.valves).model_json_schema() == type(original.valves).model_json_schema()


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.path.name)
def test_the_functions_file_loads_as_open_webui_loads_it(plugin, functions_bundle, pack):
    module = load_plugin_module(functions_bundle / plugin.path.name)
    if plugin.folder == "tools":
        assert hasattr(module, "Tools") and not hasattr(module, "Pipe")
        return
    cls = module.Filter if plugin.plugin_type == "filter" else module.Pipe
    function = cls()
    assert function.valves.model_dump() == module.Pipeline().valves.model_dump()
    if plugin.plugin_type == "filter":
        assert not hasattr(module, "Pipe")  # Open WebUI takes the first of Pipe, Filter
        assert isinstance(function.valves.priority, int)
    else:
        assert function.pipes() == module.Pipeline().pipelines()


def test_memory_and_tracing_can_be_switched_off_per_person(functions_bundle, pack):
    for name in ("memory_filter.py", "langfuse_filter.py"):
        filter_class = load_plugin_module(functions_bundle / name).Filter
        assert filter_class.UserValves().enabled is True
    safety = load_plugin_module(functions_bundle / "safety_filter.py").Filter
    assert not hasattr(safety, "UserValves")  # no one switches safety off for themselves


def test_a_new_plugin_bundles_without_a_code_change(tmp_path, pack):
    shutil.copytree(ROOT / "filters", tmp_path / "filters")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "echo_pipeline.py").write_text(
        textwrap.dedent(
            '''\
            """
            title: Echo
            version: 0.1.0
            extras: tracing
            """

            import logging

            from alphaomega.memory import MemorySettings

            NOTE = """kept
              as written"""


            class Pipeline:
                class Valves(MemorySettings):
                    pass

                def __init__(self):
                    self.type = "manifold"
                    self.id = "echo"
                    self.name = "Echo · "
                    self.valves = self.Valves()

                def pipelines(self):
                    return [{"id": "one", "name": "One"}]

                def pipe(self, user_message, model_id, messages, body):
                    logging.getLogger(__name__).info("echo")
                    return NOTE
            '''
        )
    )
    out = tmp_path / "out"
    written = {f.file: f for f in bundle("pipelines", out, root=tmp_path, wheel=False)}
    echo = written["echo_pipeline.py"]
    assert echo.requirement == (
        f"alphaomega[memory]=={__version__}, alphaomega[tracing]=={__version__}, "
        f"alphaomega[vision]=={__version__}"
    )
    plugin = load_plugin_module(out / "echo_pipeline.py").Pipeline()
    assert plugin.pipe("hi", "one", [], {}) == "kept\n  as written"
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == set(written)


def test_a_plugin_importing_the_pack_after_code_is_refused(tmp_path):
    (tmp_path / "filters").mkdir()
    (tmp_path / "filters" / "late_filter.py").write_text(
        '"""\ntitle: Late\n"""\n\nX = 1\n\nfrom alphaomega import host\n\n\n'
        "class Pipeline:\n    pass\n"
    )
    with pytest.raises(ConfigError, match="import the pack at the top"):
        bundle("pipelines", tmp_path / "out", root=tmp_path, wheel=False)


def test_indenting_leaves_multi_line_strings_alone():
    code = 'x = """a\n  b"""\nif x:\n    y = 1\n'
    indented = indent_code(code)
    tree = ast.parse("if True:\n" + indented)
    assert ast.literal_eval(tree.body[0].body[0].value) == "a\n  b"


def test_the_wheel_is_built_for_this_version(tmp_path):
    bundle("pipelines", tmp_path, root=ROOT)
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    assert wheel.name.startswith(f"alphaomega-{__version__}-")
