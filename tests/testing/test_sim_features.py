"""The simulator speaks Ollama's tools, format, think and num_ctx on /api/chat."""

import json

import httpx
import pytest

from alphaomega.testing.ollama_sim import OllamaSim, model_from_spec

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def sim():
    thinker = model_from_spec("qwen3:8b=5GB").model_copy(update={"thinking": True, "tools": True})
    models = [thinker, model_from_spec("gemma3:4b=3GB")]
    with OllamaSim(models=models, time_scale=0.001) as instance:
        yield instance


def chat(sim, **body):
    return httpx.post(sim.url + "/api/chat", json={"stream": False, **body}, timeout=30)


def lines(sim, **body):
    with httpx.stream("POST", sim.url + "/api/chat", json=body, timeout=30) as response:
        return [json.loads(line) for line in response.iter_lines() if line]


def test_a_prompt_naming_a_tool_gets_a_tool_call_then_uses_its_result(sim):
    ask = [{"role": "user", "content": "get_weather for city=Oslo"}]
    first = chat(sim, model="qwen3:8b", messages=ask, tools=[TOOL]).json()
    (call,) = first["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert call["function"]["arguments"] == {"city": "Oslo"} and call["id"]
    streamed = lines(sim, model="qwen3:8b", messages=ask, tools=[TOOL])
    assert any(line["message"].get("tool_calls") for line in streamed)
    back = [*ask, first["message"], {"role": "tool", "tool_name": "get_weather", "content": "-3C"}]
    second = chat(sim, model="qwen3:8b", messages=back, tools=[TOOL]).json()
    assert "get_weather returned: -3C" in second["message"]["content"]


def test_tools_and_thinking_are_refused_by_a_model_without_them(sim):
    ask = [{"role": "user", "content": "hi"}]
    refused = chat(sim, model="gemma3:4b", messages=ask, tools=[TOOL])
    assert refused.status_code == 400
    assert refused.json()["error"].endswith("gemma3:4b does not support tools")
    refused = chat(sim, model="gemma3:4b", messages=ask, think=True)
    assert refused.status_code == 400 and "does not support thinking" in refused.json()["error"]


def test_think_streams_thinking_before_the_answer(sim):
    streamed = lines(
        sim, model="qwen3:8b", messages=[{"role": "user", "content": "why"}], think=True
    )
    thinking = "".join(line["message"].get("thinking", "") for line in streamed)
    content = "".join(line["message"]["content"] for line in streamed)
    assert thinking.startswith("Let me think about why") and "think" not in content
    first_content = next(i for i, line in enumerate(streamed) if line["message"]["content"])
    assert all(not line["message"].get("thinking") for line in streamed[first_content:])


def test_format_makes_the_reply_json(sim):
    ask = [{"role": "user", "content": "hello"}]
    assert isinstance(
        json.loads(
            chat(sim, model="qwen3:8b", messages=ask, format="json").json()["message"]["content"]
        ),
        dict,
    )
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    reply = chat(sim, model="qwen3:8b", messages=ask, format=schema).json()
    assert set(json.loads(reply["message"]["content"])) == {"n"}


def test_num_ctx_truncates_the_oldest_messages_like_ollama(sim):
    seen = []
    sim.set_reply(lambda request: seen.append(request.messages) or "ok")
    old = [{"role": "user", "content": "word " * 50}, {"role": "assistant", "content": "fine"}]
    messages = [{"role": "system", "content": "sys"}, *old, {"role": "user", "content": "last"}]
    try:
        small = chat(sim, model="qwen3:8b", messages=messages, options={"num_ctx": 10}).json()
        chat(sim, model="qwen3:8b", messages=messages, options={"num_ctx": 1000})
    finally:
        sim.set_reply(None)
    assert [m["content"] for m in seen[0]] == ["sys", "fine", "last"]
    assert len(seen[1]) == 4
    assert small["prompt_eval_count"] < 10
