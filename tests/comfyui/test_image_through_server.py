"""The Image model through the real Pipelines server, as Open WebUI calls it, over simulated
ComfyUI instances speaking ComfyUI's protocol."""

from __future__ import annotations

import concurrent.futures
import io
import re
import time

import httpx
import pytest
from PIL import Image, ImageStat

from alphaomega.testing import PipelinesServer, free_port
from alphaomega.testing.comfyui_sim import ComfySim

from .comfy_fixtures import IMAGE_ID, node, png_graph, read_stream, solid_png, user

SDXL = f"{IMAGE_ID}.sdxl"


@pytest.fixture(scope="module")
def comfy():
    with ComfySim(time_scale=0.02) as sim:
        yield sim


@pytest.fixture(autouse=True)
def _no_faults(request):
    yield
    if "comfy" in request.fixturenames:
        request.getfixturevalue("comfy").clear_faults()


@pytest.fixture(scope="module")
def served(comfy, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("image-server")
    env = {"ALPHAOMEGA_COMFYUI": f"gpu2={comfy.url}"}
    with PipelinesServer(data_dir, env=env) as running:
        yield running


def valves(server: PipelinesServer) -> dict:
    return server.client.get(f"/{IMAGE_ID}/valves").json()


def set_valves(server: PipelinesServer, **change) -> httpx.Response:
    return server.client.post(f"/{IMAGE_ID}/valves/update", json={**valves(server), **change})


def test_the_workflows_are_offered_as_models(served):
    ids = {m["id"] for m in served.models()}
    assert {SDXL, f"{IMAGE_ID}.flux", f"{IMAGE_ID}.sd15"} <= ids


def test_text_to_image_streams_progress_then_the_picture_and_its_parameters(served, comfy):
    prompt = "a lighthouse at dusk, oil painting --ar 16:9 --seed 7"
    reply = read_stream(served.stream(SDXL, user(prompt)))
    assert any(s.startswith("Sampling 1/25 on gpu2") for s in reply.statuses)
    assert any(s.startswith("Sampling 25/25") for s in reply.statuses)
    assert any(s.startswith("Decoding") for s in reply.statuses)
    assert len(reply.images) == 1
    size, graph = png_graph(reply.images[0])
    assert size == (1344, 768)
    assert node(graph, "KSampler")["seed"] == 7
    texts = [n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"]
    assert "a lighthouse at dusk, oil painting" in texts
    assert "seed `7`" in reply.text and "1344×768" in reply.text
    assert "`a lighthouse at dusk, oil painting --seed 7 --ar 16:9`" in reply.text
    # The picture travels in delta.images, never as base64 in the text.
    assert "base64" not in reply.text


def test_seed_steps_batch_and_negative_reach_comfyui(served, comfy):
    prompt = "isometric tiny house --n 3 --steps 6 --seed 99 --cfg 5.5 --no people"
    reply = read_stream(served.stream(f"{IMAGE_ID}.sd15", user(prompt)))
    assert len(reply.images) == 3
    assert len(set(reply.images)) == 3  # three pictures of the batch, not one thrice
    size, graph = png_graph(reply.images[0])
    assert size == (512, 512)
    sampler = node(graph, "KSampler")
    assert (sampler["seed"], sampler["steps"], sampler["cfg"]) == (99, 6, 5.5)
    assert node(graph, "EmptyLatentImage")["batch_size"] == 3
    texts = {
        n["_meta"]["title"]: n["inputs"]["text"]
        for n in graph.values()
        if n["class_type"] == "CLIPTextEncode"
    }
    assert texts == {"Positive": "isometric tiny house", "Negative": "people"}
    assert "Sampling 6/6" in " ".join(reply.statuses)
    assert "3 images" in reply.text


def test_a_random_seed_is_stated_so_the_picture_can_be_drawn_again(served, comfy):
    first = read_stream(served.stream(SDXL, user("a red fox in snow")))
    _, graph = png_graph(first.images[0])
    seed = node(graph, "KSampler")["seed"]
    assert f"seed `{seed}`" in first.text
    again = read_stream(served.stream(SDXL, user(f"a red fox in snow --seed {seed}")))
    assert again.images == first.images


def test_a_bad_flag_is_a_readable_answer_and_nothing_is_queued(served, comfy):
    before = len(comfy.prompts())
    reply = read_stream(served.stream(SDXL, user("knight --seed banana")))
    assert "`--seed banana`" in reply.text and not reply.images
    assert len(comfy.prompts()) == before


def test_node_errors_name_the_node_and_the_input(served, comfy):
    assert set_valves(served, checkpoints={"sdxl": "missing_model.safetensors"}).status_code == 200
    try:
        reply = read_stream(served.stream(SDXL, user("a cat")))
    finally:
        set_valves(served, checkpoints={})
    assert "refused the workflow" in reply.text
    assert "node 4 (CheckpointLoaderSimple), input `ckpt_name`: Value not in list" in reply.text
    assert "missing_model.safetensors" in reply.text


def test_an_execution_error_names_the_node_and_the_exception(served, comfy):
    comfy.fail_node("VAEDecode", "CUDA out of memory")
    reply = read_stream(served.stream(SDXL, user("a cat --steps 3")))
    assert "failed in node 8 (VAEDecode): RuntimeError: CUDA out of memory" in reply.text
    assert reply.text.startswith("⚠️") and not reply.images


def test_a_socket_dropped_mid_render_is_recovered_from_the_history(served, comfy):
    comfy.drop_socket_after(3)
    reply = read_stream(served.stream(SDXL, user("a harbour at night --seed 11 --steps 12")))
    assert any("following the render through its history" in s for s in reply.statuses)
    assert len(reply.images) == 1
    assert node(png_graph(reply.images[0])[1], "KSampler")["seed"] == 11


def test_stop_interrupts_the_render(served, comfy):
    comfy.step_s = 0.5 / comfy.time_scale / 10  # 50 ms a step: a render of 200 steps runs 10 s
    try:
        body = {"model": SDXL, "messages": user("a long render --steps 150"), "stream": True}
        with served.client.stream("POST", "/v1/chat/completions", json=body) as response:
            for line in response.iter_lines():
                if "Sampling 2/150" in line:
                    break  # the person presses stop: the connection closes
        deadline = time.monotonic() + 15
        while not comfy.interrupted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(comfy.interrupted) == 1
        record = comfy.records()[-1]
        assert record.status == "error" and record.prompt_id == comfy.interrupted[0]
    finally:
        comfy.step_s = 0.25


def test_img2img_uploads_the_attached_picture_and_redraws_it(served, comfy):
    red = solid_png((250, 0, 0), size=(160, 96))
    reply = read_stream(served.stream(SDXL, user("make it a sunset --seed 3", red)))
    assert len(reply.images) == 1, reply.text
    size, graph = png_graph(reply.images[0])
    assert size == (160, 96)
    assert node(graph, "KSampler")["denoise"] == 0.6
    assert node(graph, "LoadImage")["image"].startswith("ao-")
    with Image.open(io.BytesIO(reply.images[0])) as picture:
        red, green, blue = ImageStat.Stat(picture.convert("RGB")).mean
    assert red - max(green, blue) > 40  # the attached red shows through
    assert "img2img" in reply.text


def test_not_streamed_the_picture_is_a_markdown_image(served, comfy):
    answer = served.chat(SDXL, user("a cat --seed 1 --steps 2"))
    content = answer["choices"][0]["message"]["content"]
    assert content.startswith("![image 1](data:image/png;base64,")
    assert "seed `1`" in content


def test_long_renders_keep_the_status_line_alive(served, comfy):
    assert set_valves(served, keepalive_s=0.2).status_code == 200
    comfy.step_s = 0.4 / comfy.time_scale  # 400 ms a step: quiet spells longer than 0.2 s
    try:
        reply = read_stream(served.stream(SDXL, user("a slow one --steps 3")))
    finally:
        comfy.step_s = 0.25
        set_valves(served, keepalive_s=5.0)
    beats = [s for s in reply.statuses if " · " in s and s.endswith(" s")]
    assert beats, reply.statuses
    assert len(reply.images) == 1


def test_a_pasted_workflow_is_checked_on_save_and_offered(served, comfy):
    import json

    from alphaomega.comfyui import builtin_workflow

    workflow = builtin_workflow("sd15").model_dump()
    workflow["name"] = "mine"
    broken = {
        **workflow,
        "inputs": {**workflow["inputs"], "seed": {"node": "Sampler", "input": "noise_seed"}},
    }
    refused = set_valves(served, custom_workflow=json.dumps(broken))
    assert refused.status_code >= 400
    assert (
        "input `seed` names `noise_seed` of node 3 (Sampler), which has no such input"
        in refused.text
    )
    assert valves(served)["custom_workflow"] is None
    assert set_valves(served, custom_workflow=json.dumps(workflow)).status_code == 200
    try:
        assert f"{IMAGE_ID}.mine" in {m["id"] for m in served.models()}
        reply = read_stream(served.stream(f"{IMAGE_ID}.mine", user("a bee --seed 5 --steps 2")))
        assert len(reply.images) == 1 and "mine on gpu2" in reply.text
    finally:
        set_valves(served, custom_workflow=None)


def test_auto_sends_a_request_to_draw_here(served, comfy):
    for text in (
        "/image a cat astronaut --seed 3 --steps 2",
        "draw a watercolour hedgehog --seed 3",
    ):
        reply = read_stream(served.stream("alphaomega_auto.auto", user(text)))
        assert len(reply.images) == 1, reply.text
        _, graph = png_graph(reply.images[0])
        prompt = next(
            n["inputs"]["text"] for n in graph.values() if n["_meta"]["title"] == "Positive"
        )
        assert prompt == text.split(" --")[0].removeprefix("/image ")
    done = [
        p["event"]["data"]["description"]
        for p in reply.payloads
        if isinstance(p, dict) and "event" in p
    ]
    assert any(d.startswith("Auto → Image · sdxl") for d in done)


def test_comfyui_down_is_a_readable_line_within_two_seconds(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    with PipelinesServer(tmp_path, env={"ALPHAOMEGA_COMFYUI": dead}) as server:
        started = time.monotonic()
        reply = read_stream(server.stream(SDXL, user("a cat")))
        elapsed = time.monotonic() - started
    assert reply.text == f"⚠️ Image generation unavailable: ComfyUI at {dead} does not answer."
    assert elapsed < 2.0


def test_three_instances_share_a_burst_and_a_dead_one_is_skipped(tmp_path):
    sims = [ComfySim(time_scale=0.02).start() for _ in range(3)]
    dead = f"http://127.0.0.1:{free_port()}"
    try:
        urls = ",".join(f"gpu{i}={s.url}" for i, s in enumerate(sims)) + f",gpu9={dead}"
        with PipelinesServer(tmp_path, env={"ALPHAOMEGA_COMFYUI": urls}) as server:

            def draw(i: int):
                return read_stream(server.stream(SDXL, user(f"picture {i} --steps 10")))

            with concurrent.futures.ThreadPoolExecutor(9) as pool:
                replies = list(pool.map(draw, range(9)))
        assert all(len(r.images) == 1 for r in replies), [r.text for r in replies]
        waited = [s for r in replies for s in r.statuses if s.startswith("Queued (")]
        assert waited and all(re.match(r"Queued \(\d+ ahead\) on gpu[0-2]…", s) for s in waited)
        counts = [len(s.records()) for s in sims]
        assert sum(counts) == 9 and min(counts) >= 2, counts
    finally:
        for sim in sims:
            sim.stop()


def test_the_stock_routes_serve_the_same_answer(comfy, tmp_path):
    env = {"ALPHAOMEGA_COMFYUI": f"gpu2={comfy.url}", "ALPHAOMEGA_NATIVE": "0"}
    with PipelinesServer(tmp_path, env=env) as server:
        reply = read_stream(server.stream(SDXL, user("a heron --seed 21 --steps 3")))
    assert any(s.startswith("Sampling 3/3") for s in reply.statuses)
    assert len(reply.images) == 1 and "seed `21`" in reply.text
    assert node(png_graph(reply.images[0])[1], "KSampler")["seed"] == 21
