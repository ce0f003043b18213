"""The Auto model through the real Pipelines server: each message reaches the backend it needs."""

import base64
import io

from PIL import Image

from alphaomega.testing import free_port, streamed_text

AUTO = "alphaomega_auto.auto"


def png_data_url() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def echo_model(sim):
    sim.set_reply(lambda request: f"model={request.model} images={request.images}")


def test_auto_is_listed(server):
    assert {m["id"]: m["name"] for m in server.models()}[AUTO] == "AlphaOmega · Auto"


def test_code_question_goes_to_the_code_backend(server, sim):
    echo_model(sim)
    messages = [{"role": "user", "content": "Write a Python function that parses ISO dates"}]
    payloads = server.stream(AUTO, messages)
    assert "model=qwen2.5-coder:7b" in streamed_text(payloads)
    statuses = [
        p["event"]["data"]["description"] for p in payloads if isinstance(p, dict) and "event" in p
    ]
    assert any(s.startswith("Auto → Code") for s in statuses)
    body = server.chat(
        AUTO,
        [{"role": "user", "content": "schreib eine Funktion in Rust, die eine Liste sortiert"}],
    )
    assert "model=qwen2.5-coder:7b" in body["choices"][0]["message"]["content"]


def test_message_with_an_image_goes_to_the_vision_backend(server, sim):
    echo_model(sim)
    parts = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": png_data_url()}},
    ]
    text = streamed_text(server.stream(AUTO, [{"role": "user", "content": parts}]))
    assert "model=llava:34b images=1" in text


def test_small_talk_goes_to_the_general_model(server, sim):
    echo_model(sim)
    text = server.chat(AUTO, [{"role": "user", "content": "Tell me a fun fact about otters"}])
    assert "model=llama3.1:8b" in text["choices"][0]["message"]["content"]


def test_factory_requests_go_to_the_factory_host(server, sim):
    dead = f"http://127.0.0.1:{free_port()}"
    valves = server.client.get("/alphaomega_auto/valves").json()
    changed = {**valves, "factory_host_url": dead}
    assert server.client.post("/alphaomega_auto/valves/update", json=changed).status_code == 200
    try:
        for prompt in ("/factory a todo app with login", "build me a full-stack todo app"):
            payloads = server.stream(AUTO, [{"role": "user", "content": prompt}])
            shown = [
                p["event"]["data"]["description"]
                for p in payloads
                if isinstance(p, dict) and "event" in p
            ]
            assert any(s.startswith("Auto → Factory") for s in shown), shown
            text = streamed_text(payloads)
            assert f"The factory host at {dead} is not reachable" in text
    finally:
        server.client.post("/alphaomega_auto/valves/update", json=valves)


def test_screen_questions_reach_screen_and_say_when_its_host_is_missing(server, sim):
    before = sim.stats().requests
    payloads = server.stream(AUTO, [{"role": "user", "content": "What's on my screen?"}])
    statuses = [
        p["event"]["data"]["description"] for p in payloads if isinstance(p, dict) and "event" in p
    ]
    assert any(s.startswith("Auto → Screen") for s in statuses)
    assert "The agent host at http://127.0.0.1:8001" in streamed_text(payloads)
    assert sim.stats().requests == before


def test_command_is_stripped_before_the_model_sees_it(server, sim):
    sim.set_reply(lambda request: "saw: " + request.prompt)
    text = server.chat(AUTO, [{"role": "user", "content": "/code reverse a list"}])
    assert text["choices"][0]["message"]["content"] == "saw: reverse a list"


def picture_then(follow_up: str) -> list[dict]:
    parts = [
        {"type": "text", "text": "here is my balcony"},
        {"type": "image_url", "image_url": {"url": png_data_url()}},
    ]
    return [
        {"role": "user", "content": parts},
        {"role": "assistant", "content": "A small balcony with plants."},
        {"role": "user", "content": follow_up},
    ]


def test_a_follow_up_about_an_earlier_picture_goes_to_vision_with_it(server, sim):
    echo_model(sim)
    messages = picture_then("which of the plants in it needs water?")
    text = streamed_text(server.stream(AUTO, messages))
    assert "model=llava:34b images=1" in text


def test_a_new_topic_after_a_picture_goes_to_its_model_without_the_picture(server, sim):
    echo_model(sim)
    messages = picture_then("thanks! any tips for a first marathon?")
    text = streamed_text(server.stream(AUTO, messages))
    assert "model=llama3.1:8b images=0" in text
