"""The pack's models with the official ``openai`` SDK as the client (what scripts, LiteLLM,
Continue and many tools speak), against the real ``alphaomega serve`` and the Ollama simulator:
the spec's defaults, tool calling, JSON mode, reasoning, and every error shape."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest

from alphaomega.testing import PipelinesServer, free_port
from alphaomega.testing.ollama_sim import OllamaSim, model_from_spec

CODER = "qwen2.5-coder:7b"  # calls tools
THINKER = "qwen3:8b"  # thinks and calls tools
PLAIN = "gemma3:4b"  # neither
CODE = "alphaomega_code."
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
ASK_WEATHER = [{"role": "user", "content": "Use get_weather for city=Paris please"}]


@pytest.fixture(scope="module")
def sim():
    thinker = model_from_spec(f"{THINKER}=5GB").model_copy(update={"thinking": True, "tools": True})
    models = [model_from_spec(CODER), thinker, model_from_spec(f"{PLAIN}=3GB")]
    with OllamaSim(models=models, vram="48GB", num_parallel=4, time_scale=0.01) as instance:
        yield instance


@pytest.fixture(scope="module")
def server(sim, tmp_path_factory):
    with PipelinesServer(
        tmp_path_factory.mktemp("sdk"), env={"ALPHAOMEGA_FLEET": sim.url}
    ) as running:
        valves = running.client.get("/alphaomega_code/valves").json()
        valves["models"] = [CODER, THINKER, PLAIN]
        update = running.client.post("/alphaomega_code/valves/update", json=valves)
        assert update.status_code == 200
        yield running


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key=server.api_key, max_retries=0)


@pytest.fixture
def aclient(server):
    return openai.AsyncOpenAI(base_url=server.url + "/v1", api_key=server.api_key, max_retries=0)


# ---- the spec's defaults -----------------------------------------------------------------


def test_no_stream_flag_is_a_json_completion(client, sim):
    sim.queue_replies("print('hi')")
    reply = client.chat.completions.create(
        model=CODE + CODER, messages=[{"role": "user", "content": "hello"}]
    )
    assert isinstance(reply, openai.types.chat.ChatCompletion)
    assert reply.choices[0].message.content == "print('hi')"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens > 0


def test_no_stream_flag_over_plain_http_is_json(server, sim):
    sim.queue_replies("plain")
    body = {"model": CODE + CODER, "messages": [{"role": "user", "content": "hi"}]}
    answer = server.client.post("/v1/chat/completions", json=body)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["choices"][0]["message"]["content"] == "plain"


def test_streamed_plain_chat_with_usage_on_request(client, sim):
    sim.queue_replies("one two three")
    stream = client.chat.completions.create(
        model=CODE + CODER,
        messages=[{"role": "user", "content": "count"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"


def test_penalties_reach_ollama_as_its_options(client, sim):
    seen = {}

    def reply(request):
        seen.update(request.options)
        return "ok"

    sim.set_reply(reply)
    client.chat.completions.create(
        model=CODE + CODER,
        messages=[{"role": "user", "content": "hi"}],
        frequency_penalty=0.5,
        presence_penalty=0.25,
        max_tokens=50,
    )
    assert seen["frequency_penalty"] == 0.5 and seen["presence_penalty"] == 0.25
    assert seen["num_predict"] == 50
    assert seen["num_ctx"] > 0  # the model's own context length, from /api/show


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [({"n": 2}, "'n' is 2"), ({"logit_bias": {"50256": -100}}, "'logit_bias' is not supported")],
)
def test_n_and_logit_bias_are_refused_with_a_400_that_says_so(client, extra, words):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=CODE + CODER, messages=[{"role": "user", "content": "hi"}], **extra
        )
    assert caught.value.status_code == 400
    assert words in caught.value.body["message"]


def test_a_malformed_request_is_a_400_in_the_openai_shape(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=CODE + CODER, messages=[{"role": "user", "content": [{"type": "text"}]}]
        )
    assert caught.value.body["type"] == "invalid_request_error"
    assert "text part with no text" in caught.value.body["message"]


def test_an_unknown_model_is_a_404(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert "nope" in caught.value.body["message"]
    assert caught.value.body["code"] == "model_not_found"


def test_a_wrong_key_is_a_401(server):
    bad = openai.OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model=CODE + CODER, messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == "invalid_api_key"


def test_a_saturated_fleet_is_a_429_for_a_whole_reply(client, sim):
    sim.fault("refuse", count=50)
    try:
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(
                model=CODE + CODER, messages=[{"role": "user", "content": "x"}]
            )
    finally:
        sim.clear_faults()
    assert "busy" in caught.value.body["message"]


def test_a_fleet_that_is_down_is_a_503_for_a_whole_reply(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    with PipelinesServer(tmp_path, env={"ALPHAOMEGA_FLEET": dead}) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key=server.api_key, max_retries=0)
        with pytest.raises(openai.InternalServerError) as caught:
            client.chat.completions.create(
                model=CODE + CODER, messages=[{"role": "user", "content": "x"}]
            )
        assert caught.value.status_code == 503
        assert dead in caught.value.body["message"]
        # Streamed, the same failure is a readable line in the reply.
        stream = client.chat.completions.create(
            model=CODE + CODER, messages=[{"role": "user", "content": "x"}], stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert "not reachable" in text


# ---- tools -------------------------------------------------------------------------------


def test_a_tool_call_whole(client):
    reply = client.chat.completions.create(
        model=CODE + CODER, messages=ASK_WEATHER, tools=[WEATHER]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id


def test_a_tool_call_streamed(client):
    stream = client.chat.completions.create(
        model=CODE + CODER, messages=ASK_WEATHER, tools=[WEATHER], stream=True
    )
    chunks = [c for c in stream if c.choices]
    calls = [tc for c in chunks for tc in c.choices[0].delta.tool_calls or []]
    assert len(calls) == 1
    assert calls[0].index == 0 and calls[0].id and calls[0].type == "function"
    assert calls[0].function.name == "get_weather"
    assert json.loads(calls[0].function.arguments) == {"city": "Paris"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_a_full_tool_round_trip(client):
    first = client.chat.completions.create(
        model=CODE + CODER, messages=ASK_WEATHER, tools=[WEATHER]
    )
    call = first.choices[0].message.tool_calls[0]
    messages = [
        *ASK_WEATHER,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]
    second = client.chat.completions.create(model=CODE + CODER, messages=messages, tools=[WEATHER])
    answer = second.choices[0].message.content
    assert "get_weather returned: 18 degrees and sunny" in answer
    assert second.choices[0].finish_reason == "stop"


def test_a_model_without_tools_answers_without_them_and_says_so(server, client):
    # Open WebUI offers its built-in tools to every model: one that cannot call tools answers
    # without them, with a status line that says so.
    payloads = server.stream(CODE + PLAIN, ASK_WEATHER, tools=[WEATHER])
    statuses = [p["event"]["data"] for p in payloads if isinstance(p, dict) and "event" in p]
    said = f"{PLAIN} cannot call tools: answered without them"
    assert {"description": said, "done": True} in statuses
    text = "".join(
        p["choices"][0]["delta"].get("content") or ""
        for p in payloads
        if isinstance(p, dict) and p.get("choices")
    )
    assert text.startswith(f"Simulated {PLAIN} reply")
    whole = client.chat.completions.create(
        model=CODE + PLAIN, messages=ASK_WEATHER, tools=[WEATHER]
    )
    assert whole.choices[0].finish_reason == "stop" and not whole.choices[0].message.tool_calls


def test_a_demanded_tool_call_a_model_cannot_make_is_a_readable_400(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model=CODE + PLAIN, messages=ASK_WEATHER, tools=[WEATHER], tool_choice="required"
        )
    assert f"`{PLAIN}` cannot call tools" in caught.value.body["message"]
    stream = client.chat.completions.create(
        model=CODE + PLAIN,
        messages=ASK_WEATHER,
        tools=[WEATHER],
        tool_choice="required",
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert "cannot call tools" in text and "does not support tools" in text


def test_thinking_a_model_cannot_do_is_left_out_and_said(server):
    payloads = server.stream(
        CODE + PLAIN, [{"role": "user", "content": "hi"}], reasoning_effort="high"
    )
    statuses = [p["event"]["data"]["description"] for p in payloads if "event" in p]
    assert f"{PLAIN} does not think (reasoning): answered without it" in statuses


# ---- JSON mode and reasoning ---------------------------------------------------------------


def test_json_mode_parses_as_json(client):
    reply = client.chat.completions.create(
        model=CODE + CODER,
        messages=[{"role": "user", "content": "give me json"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(reply.choices[0].message.content), dict)


def test_a_json_schema_shapes_the_reply(client):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    reply = client.chat.completions.create(
        model=CODE + CODER,
        messages=[{"role": "user", "content": "a person"}],
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
    )
    data = json.loads(reply.choices[0].message.content)
    assert set(data) == {"name", "age"} and isinstance(data["age"], int)


def test_reasoning_streams_apart_from_the_answer(client):
    stream = client.chat.completions.create(
        model=CODE + THINKER,
        messages=[{"role": "user", "content": "why is the sky blue"}],
        reasoning_effort="high",
        stream=True,
    )
    chunks = [c for c in stream if c.choices]
    thoughts = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert thoughts.startswith("Let me think about why is the sky blue")
    assert "Let me think" not in text and text.startswith("Simulated")


def test_reasoning_whole_and_the_think_valve(server, client):
    valves = server.client.get("/alphaomega_code/valves").json()
    assert valves["think"] is None
    server.client.post("/alphaomega_code/valves/update", json={**valves, "think": True})
    try:
        reply = client.chat.completions.create(
            model=CODE + THINKER, messages=[{"role": "user", "content": "think"}]
        )
    finally:
        server.client.post("/alphaomega_code/valves/update", json=valves)
    message = reply.choices[0].message
    assert message.model_extra["reasoning_content"].startswith("Let me think")
    assert "Let me think" not in message.content


# ---- async -------------------------------------------------------------------------------


def test_async_client_whole_and_streamed_with_tools(aclient):
    async def run():
        whole = await aclient.chat.completions.create(
            model=CODE + CODER, messages=[{"role": "user", "content": "hello async"}]
        )
        stream = await aclient.chat.completions.create(
            model=CODE + CODER, messages=ASK_WEATHER, tools=[WEATHER], stream=True
        )
        chunks = [c async for c in stream]
        await aclient.close()
        return whole, chunks

    whole, chunks = asyncio.run(run())
    assert "hello async" in whole.choices[0].message.content
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert calls[0].function.name == "get_weather"


def test_the_stock_path_defaults_stream_off_too(sim, tmp_path):
    env = {"ALPHAOMEGA_FLEET": sim.url, "ALPHAOMEGA_NATIVE": "0"}
    with PipelinesServer(tmp_path, env=env) as server:
        sim.queue_replies("from the stock route")
        body = {"model": CODE + CODER, "messages": [{"role": "user", "content": "hi"}]}
        answer = server.client.post("/v1/chat/completions", json=body)
        assert answer.json()["choices"][0]["message"]["content"] == "from the stock route"
        missing = server.client.post("/v1/chat/completions", json={**body, "model": "nope"})
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "Pipeline nope not found"
        assert httpx.codes.is_error(missing.status_code)


def test_a_chat_longer_than_num_ctx_says_its_oldest_turns_were_left_out(server, client, sim):
    valves = server.client.get("/alphaomega_code/valves").json()
    server.client.post("/alphaomega_code/valves/update", json={**valves, "num_ctx": 400})
    seen = []
    sim.set_reply(lambda request: seen.append(request.messages) or "short")
    history = []
    for i in range(8):
        history.append({"role": "user", "content": f"question {i} " + "word " * 60})
        history.append({"role": "assistant", "content": f"answer {i}"})
    try:
        reply = client.chat.completions.create(
            model=CODE + CODER, messages=[*history, {"role": "user", "content": "the last one"}]
        )
    finally:
        server.client.post("/alphaomega_code/valves/update", json=valves)
        sim.set_reply(None)
    text = reply.choices[0].message.content
    assert text.startswith("short")
    assert "oldest messages were left out" in text and "400 tokens" in text
    assert seen[0][-1]["content"] == "the last one"
    assert not any("question 0" in m["content"] for m in seen[0])


def round_trip(client, model):
    """A tool call, its result sent back, and the answer that uses it (non-streamed)."""
    first = client.chat.completions.create(model=model, messages=ASK_WEATHER, tools=[WEATHER])
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages = [
        *ASK_WEATHER,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"},
    ]
    second = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER])
    return second.choices[0].message.content


def test_tools_pass_as_they_are_to_an_openai_compatible_instance(sim, tmp_path):
    env = {"ALPHAOMEGA_FLEET": f"compat=openai+{sim.url};models={CODER}"}
    with PipelinesServer(tmp_path, env=env) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key=server.api_key, max_retries=0)
        assert "returned: 18 degrees and sunny" in round_trip(client, CODE + CODER)
        stream = client.chat.completions.create(
            model=CODE + CODER, messages=ASK_WEATHER, tools=[WEATHER], stream=True
        )
        calls = [tc for c in stream if c.choices for tc in c.choices[0].delta.tool_calls or []]
        assert [c.function.name for c in calls] == ["get_weather"]


def test_a_tool_round_trip_on_the_stock_path(sim, tmp_path):
    env = {"ALPHAOMEGA_FLEET": sim.url, "ALPHAOMEGA_NATIVE": "0"}
    with PipelinesServer(tmp_path, env=env) as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key=server.api_key, max_retries=0)
        assert "get_weather returned: 18 degrees and sunny" in round_trip(client, CODE + CODER)
