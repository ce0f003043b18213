"""The ComfyUI simulator speaks ComfyUI's protocol: the frames, the 400s, the history."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from alphaomega.comfyui import builtin_workflow, parse_message
from alphaomega.testing.comfyui_sim import ComfySim


@pytest.fixture(scope="module")
def comfy():
    with ComfySim(time_scale=0.01) as running:
        yield running


def graph(text: str = "a cat --steps 3 --seed 4") -> dict:
    return builtin_workflow("sd15").fill(parse_message(text), seed=4)


def test_a_run_sends_comfyuis_frames_in_order_to_its_client_only(comfy):
    client_id, prompt_id = "c1", str(uuid.uuid4())
    with connect(f"ws://127.0.0.1:{comfy.port}/ws?clientId={client_id}") as ws:
        first = json.loads(ws.recv())
        assert first["type"] == "status" and first["data"]["sid"] == client_id
        body = {"prompt": graph(), "client_id": client_id, "prompt_id": prompt_id}
        answer = httpx.post(f"{comfy.url}/prompt", json=body).json()
        assert answer["prompt_id"] == prompt_id and answer["node_errors"] == {}
        kinds = []
        while True:
            frame = json.loads(ws.recv(timeout=10))
            kinds.append(frame["type"])
            if frame["type"] == "executing" and frame["data"]["node"] is None:
                break
    assert kinds.index("execution_start") < kinds.index("progress") < kinds.index("executed")
    assert kinds.count("progress") == 3
    history = httpx.get(f"{comfy.url}/api/history/{prompt_id}").json()[prompt_id]
    assert history["status"] == {
        "status_str": "success",
        "completed": True,
        "messages": history["status"]["messages"],
    }
    image = history["outputs"]["9"]["images"][0]
    png = httpx.get(f"{comfy.url}/view", params=image).content
    assert png.startswith(b"\x89PNG")


def test_a_bad_graph_is_refused_with_node_errors(comfy):
    bad = graph()
    bad["4"]["inputs"]["ckpt_name"] = "nope.safetensors"
    del bad["3"]["inputs"]["steps"]
    response = httpx.post(f"{comfy.url}/prompt", json={"prompt": bad, "client_id": "x"})
    assert response.status_code == 400
    errors = response.json()["node_errors"]
    assert errors["4"]["class_type"] == "CheckpointLoaderSimple"
    assert errors["4"]["errors"][0]["type"] == "value_not_in_list"
    assert errors["3"]["errors"][0]["extra_info"]["input_name"] == "steps"
    unknown = {"1": {"class_type": "NoSuchNode", "inputs": {}}}
    response = httpx.post(f"{comfy.url}/prompt", json={"prompt": unknown})
    assert "NoSuchNode does not exist" in response.json()["error"]["message"]
    not_uuid = httpx.post(f"{comfy.url}/prompt", json={"prompt": graph(), "prompt_id": "ABC"})
    assert not_uuid.status_code == 400


def test_queue_delete_and_system_stats(comfy):
    comfy.step_s = 1.0  # 10 ms a step at this scale: 150 steps keep the first one running
    try:
        ids = [str(uuid.uuid4()) for _ in range(2)]
        for prompt_id in ids:
            body = {"prompt": graph("x --steps 150"), "prompt_id": prompt_id}
            httpx.post(f"{comfy.url}/prompt", json=body).raise_for_status()
        queue = httpx.get(f"{comfy.url}/queue").json()
        assert [e[1] for e in queue["queue_pending"]] == [ids[1]]
        httpx.post(f"{comfy.url}/queue", json={"delete": [ids[1]]}).raise_for_status()
        httpx.post(f"{comfy.url}/interrupt", json={"prompt_id": ids[0]}).raise_for_status()
        assert httpx.get(f"{comfy.url}/queue").json()["queue_pending"] == []
    finally:
        comfy.step_s = 0.25
    stats = httpx.get(f"{comfy.url}/system_stats").json()
    assert stats["devices"][0]["vram_total"] > 0 and stats["system"]["comfyui_version"]
    info = httpx.get(f"{comfy.url}/object_info/CheckpointLoaderSimple").json()
    assert (
        "sd_xl_base_1.0.safetensors"
        in info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
    )
