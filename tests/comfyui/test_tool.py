"""The workspace Tool as Open WebUI calls it: on Open WebUI's own loop, with its emitter."""

from __future__ import annotations

import asyncio
import base64

import pytest

from alphaomega.testing.comfyui_sim import ComfySim
from tests.plugin_files import load_plugin_module

from .comfy_fixtures import node, png_graph


@pytest.fixture
def comfy(monkeypatch):
    with ComfySim(time_scale=0.02) as sim:
        monkeypatch.setenv("ALPHAOMEGA_COMFYUI", f"gpu2={sim.url}")
        yield sim


async def test_generate_image_shows_progress_and_the_picture_and_tells_the_model_the_seed(
    pack, comfy
):
    tools = load_plugin_module("tools/image_tool.py").Tools()
    emitted: list[dict] = []
    here = asyncio.get_running_loop()

    async def emitter(event: dict) -> None:
        assert asyncio.get_running_loop() is here  # Open WebUI's emitter, on its own loop
        emitted.append(event)

    answer = await tools.generate_image("a koi pond --seed 5 --ar 3:2 --steps 4", emitter)
    statuses = [e["data"]["description"] for e in emitted if e["type"] == "status"]
    assert any(s.startswith("Sampling 4/4 on gpu2") for s in statuses)
    files = [e for e in emitted if e["type"] == "files"]
    assert len(files) == 1
    url = files[0]["data"]["files"][0]["url"]
    size, graph = png_graph(base64.b64decode(url.split(",", 1)[1]))
    assert size == (1216, 832) and node(graph, "KSampler")["seed"] == 5
    assert "seed `5`" in answer and "1 picture(s) shown to the user" in answer
    assert "base64" not in answer


async def test_a_bad_flag_comes_back_to_the_model_as_text(pack, comfy):
    tools = load_plugin_module("tools/image_tool.py").Tools()
    answer = await tools.generate_image("a koi pond --n 12")
    assert "`--n 12`" in answer and comfy.prompts() == []
