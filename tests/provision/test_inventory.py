"""Every Ollama model the plugins' valves name: the pack's own defaults, what the server stored,
and any plugin's ``model``/``models``/``*_model``/``*_models`` valve, found generically."""

from __future__ import annotations

import json
from pathlib import Path

from alphaomega.provision import inventory

ROOT = Path(__file__).resolve().parents[2]

FAKE_PLUGIN = '''
"""
title: A plugin of another feature
"""
from pydantic import BaseModel


class Pipeline:
    class Valves(BaseModel):
        model: str = "sdxl-prompter:3b"
        image_models: list[str] = ["flux-helper:8b", "sd_xl_base_1.0.safetensors", ""]
        agent_model: str = "qwen2.5vl:7b"
        planner_model: str | None = None
        code_model_id: str = "alphaomega_code.qwen2.5-coder:7b"
        model_pattern: str | None = "^q"
        modelfile: str = "not a model"

    def __init__(self):
        raise AssertionError("the inventory reads the Valves class; it never makes a Pipeline")
'''


def by_name(items):
    return {w.name: w for w in items}


def test_the_pack_plugins_default_models():
    found = by_name(inventory(ROOT))
    assert set(found) == {
        "qwen2.5-coder:7b",
        "codellama:13b",
        "llava:34b",
        "llama3.2-vision:11b",
        "llama3.1:8b",
        "nomic-embed-text:latest",
        "llama3.2:3b",
        "qwen2.5vl:7b",
        "ui-tars-1.5-7b:latest",
    }
    uses = [str(u) for u in found["llava:34b"].uses]
    assert uses[:2] == ["auto_pipeline.vision_model", "auto_pipeline.screen_model"]
    assert {"vision_pipeline.models", "screen_pipeline.model"} <= set(uses)
    assert found["llava:34b"].role == "vision"
    assert found["llama3.1:8b"].role == "general"
    assert found["nomic-embed-text:latest"].needed
    # memory's fact model is only used with infer on (off by default)
    assert found["llama3.2:3b"].unused_because == "infer is off"
    # Agent-S's grounding model only with the Agent-S planner (the built-in one by default)
    assert found["ui-tars-1.5-7b:latest"].unused_because == "the planner is built-in"
    # routing's *_model_id valves name pipeline ids, not Ollama models
    assert not any(name.startswith("alphaomega_") for name in found)


def test_values_the_server_stored_win_over_the_defaults(tmp_path):
    stored = tmp_path / "pipelines"
    (stored / "code_pipeline").mkdir(parents=True)
    (stored / "code_pipeline" / "valves.json").write_text(json.dumps({"models": ["phi4:14b"]}))
    (stored / "memory_filter").mkdir()
    (stored / "memory_filter" / "valves.json").write_text(
        json.dumps({"infer": True, "embedder": "local", "infer_model": "qwen3:8b"})
    )
    (stored / "vision_pipeline").mkdir()
    (stored / "vision_pipeline" / "valves.json").write_text("{not json")
    found = by_name(inventory(ROOT, stored))
    assert "phi4:14b" in found and "codellama:13b" not in found
    assert found["qwen2.5-coder:7b"].uses[0].plugin == "auto_pipeline"  # Auto still names it
    assert found["qwen3:8b"].needed
    assert found["nomic-embed-text:latest"].unused_because == "embedder is not 'ollama'"
    assert "llama3.2-vision:11b" in found  # an unreadable file leaves the defaults


def test_any_plugin_model_valve_is_found_by_its_name(tmp_path):
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "image_pipeline.py").write_text(FAKE_PLUGIN)
    (tmp_path / "filters").mkdir()
    found = by_name(inventory(tmp_path))
    assert set(found) == {"sdxl-prompter:3b", "flux-helper:8b", "qwen2.5vl:7b"}
    assert found["sdxl-prompter:3b"].role == "image"  # plain `model`: the plugin's own role
    assert found["flux-helper:8b"].role == "image"
    assert found["qwen2.5vl:7b"].role == "agent"
    assert [str(u) for u in found["flux-helper:8b"].uses] == ["image_pipeline.image_models"]
