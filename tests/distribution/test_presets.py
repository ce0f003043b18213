"""Valve presets: each names plugins and valves that exist, with values their Valves accept,
and applying one to a running server merges it into what is set there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alphaomega.distribution import discover
from alphaomega.valves import load_preset
from tests.plugin_files import load_plugin_module

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted((ROOT / "valves").glob("*.json"))
PLUGINS = {p.plugin_id: p for p in discover(ROOT) if p.folder != "tools"}


def test_the_three_rigs_have_presets():
    names = {p.stem for p in PRESETS}
    assert {"single-gpu-workstation", "multi-gpu-rig", "cpu-only-laptop"} <= names


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.name)
def test_a_preset_fits_the_plugins_valves(path, pack):
    for plugin_id, values in load_preset(path).items():
        assert plugin_id in PLUGINS, f"{path.name}: no plugin {plugin_id}"
        valves_class = load_plugin_module(PLUGINS[plugin_id].path).Pipeline.Valves
        unknown = set(values) - set(valves_class.model_fields)
        assert not unknown, f"{path.name}: {plugin_id} has no valve {sorted(unknown)}"
        merged = valves_class.model_validate({**valves_class().model_dump(), **values})
        for name, value in values.items():
            assert getattr(merged, name) == value


def test_apply_merges_into_the_running_servers_valves(server):
    before = server.client.get("/alphaomega_code/valves").json()
    mine = {**before, "system_prompt": "Answer in haiku."}
    server.client.post("/alphaomega_code/valves/update", json=mine).raise_for_status()
    preset = ROOT / "valves" / "cpu-only-laptop.json"
    done = subprocess.run(
        [sys.executable, "-m", "alphaomega", "valves", "apply", str(preset), "--url", server.url]
        + ["--api-key", server.api_key],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads(preset.read_text())["alphaomega_code"]
    after = server.client.get("/alphaomega_code/valves").json()
    assert {k: after[k] for k in expected} == expected
    assert after["system_prompt"] == "Answer in haiku."  # kept: the update replaces all
    vision = server.client.get("/alphaomega_vision/valves").json()
    assert vision["max_width"] == 640
