"""The Code model through the real Pipelines server, spoken to as Open WebUI speaks to it."""

import json

import httpx

from alphaomega.testing import streamed_text
from tests.conftest import CODE_MODEL

MODEL = f"alphaomega_code.{CODE_MODEL}"
HELLO = [{"role": "user", "content": "write hello world in C"}]


def finish_chunks(payloads):
    return [
        p
        for p in payloads
        if isinstance(p, dict) and "choices" in p and p["choices"][0]["finish_reason"]
    ]


def test_models_lists_code_models_by_display_name(server):
    names = {m["id"]: m["name"] for m in server.models()}
    assert names[MODEL] == "AlphaOmega · Code · qwen2.5-coder:7b"
    assert names["alphaomega_code.codellama:13b"] == "AlphaOmega · Code · codellama:13b"


def test_streamed_chat_returns_tokens_then_one_finish_with_usage(server, sim):
    # 40 tokens at 5 ms each: even a busy server that merges what piled up sends many chunks.
    reply = " ".join(f"line{i};" for i in range(40))
    sim.queue_replies(reply)
    payloads = server.stream(MODEL, HELLO)
    assert payloads[-1] == "[DONE]"
    content_chunks = [
        p
        for p in payloads
        if isinstance(p, dict) and p.get("choices") and p["choices"][0]["delta"].get("content")
    ]
    assert len(content_chunks) > 3, "tokens should arrive as several chunks"
    assert streamed_text(payloads) == reply
    finals = finish_chunks(payloads)
    assert len(finals) == 1 and finals[0] is payloads[-2]
    usage = finals[0]["usage"]
    assert usage["completion_tokens"] > 0 and usage["prompt_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_status_line_while_the_first_token_is_awaited_then_cleared(server, sim):
    sim.fault("slow_first_token", count=1, delay=60.0)  # 0.6 s at the simulator's time scale
    payloads = server.stream(MODEL, HELLO)
    events = [p["event"] for p in payloads if isinstance(p, dict) and "event" in p]
    assert events[0]["type"] == "status"
    assert CODE_MODEL in events[0]["data"]["description"]
    assert events[0]["data"]["done"] is False
    assert events[-1]["data"]["done"] is True and events[-1]["data"].get("hidden") is True
    first_event = payloads.index(next(p for p in payloads if isinstance(p, dict) and "event" in p))
    first_text = next(
        i
        for i, p in enumerate(payloads)
        if isinstance(p, dict) and p.get("choices") and p["choices"][0]["delta"].get("content")
    )
    assert first_event < first_text
    assert streamed_text(payloads)


def test_non_streamed_chat(server, sim):
    sim.queue_replies("print('hi')")
    body = server.chat(MODEL, HELLO)
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "print('hi')"
    assert body["usage"]["completion_tokens"] > 0


def test_system_prompt_valve_reaches_the_model_and_survives_a_restart(server, sim):
    sim.set_reply(
        lambda request: (
            "system=" + " | ".join(m["content"] for m in request.messages if m["role"] == "system")
        )
    )
    valves = server.client.get("/alphaomega_code/valves").json()
    valves["system_prompt"] = "Answer in Rust only."
    assert server.client.post("/alphaomega_code/valves/update", json=valves).status_code == 200
    assert "Answer in Rust only." in server.chat(MODEL, HELLO)["choices"][0]["message"]["content"]

    server.restart()
    assert (
        server.client.get("/alphaomega_code/valves").json()["system_prompt"]
        == "Answer in Rust only."
    )
    assert "Answer in Rust only." in server.chat(MODEL, HELLO)["choices"][0]["message"]["content"]


def whole_reply_or_error(server, model, messages, status):
    """A non-streamed reply that failed before it said anything: an OpenAI error with
    ``status``, whose message is what a streamed reply reads as text."""
    body = {"model": model, "messages": messages, "stream": False}
    answer = server.client.post("/v1/chat/completions", json=body)
    assert answer.status_code == status, answer.text
    return answer.json()["error"]["message"]


def test_missing_model_names_what_exists_and_the_pull_line(server):
    model = "alphaomega_code.codellama:13b"
    for text in (
        streamed_text(server.stream(model, HELLO)),
        whole_reply_or_error(server, model, HELLO, 404),
    ):
        assert "ollama pull codellama:13b" in text
        assert CODE_MODEL in text


def test_cut_mid_stream_keeps_the_text_and_says_so(server, sim):
    sim.queue_replies("one two three four five six seven eight nine ten")
    sim.fault("cut_mid_stream", count=1, after_tokens=3)
    payloads = server.stream(MODEL, HELLO)
    text = streamed_text(payloads)
    assert text.startswith("one two")
    assert "cut off" in text and sim.url in text
    assert payloads[-1] == "[DONE]" and len(finish_chunks(payloads)) == 1


def test_backend_down_is_readable_and_names_the_url(server_without_backend):
    server = server_without_backend
    for text in (
        streamed_text(server.stream(MODEL, HELLO)),
        whole_reply_or_error(server, MODEL, HELLO, 503),
    ):
        assert server.dead_url in text and "not reachable" in text


def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(server, sim):
    client = server.client
    assert "no messages" in whole_reply_or_error(server, MODEL, [], 400)

    unknown = client.post("/v1/chat/completions", json={"model": "nope", "messages": HELLO})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]

    invalid = client.post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert invalid.status_code == 422

    parts = [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]
    assert "'input_audio'" in whole_reply_or_error(server, MODEL, parts, 400)

    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is it"},
                {"type": "image_url", "image_url": {"url": "data:x"}},
            ],
        }
    ]
    assert "Vision" in whole_reply_or_error(server, MODEL, image, 400)

    megabyte = [{"role": "user", "content": "x" * 1_000_000}]
    sim.queue_replies("read it")
    assert server.chat(MODEL, megabyte)["choices"][0]["message"]["content"] == "read it"

    sim.queue_replies("still here")
    assert streamed_text(server.stream(MODEL, HELLO)) == "still here"


def test_uploaded_plugin_appears_and_a_broken_one_does_not(server):
    good = (
        '"""\ntitle: Uploaded\nversion: 1\ndescription: test\n"""\n'
        "from alphaomega.pipes import FleetChatModel\n\n"
        "class Pipeline:\n"
        "    def __init__(self):\n"
        "        self.type = 'manifold'\n"
        "        self.name = 'Uploaded · '\n"
        "        self.core = FleetChatModel('uploaded')\n"
        "    def pipelines(self):\n"
        "        return self.core.entries(['llama3.1:8b'], '')\n"
        "    def pipe(self, user_message, model_id, messages, body):\n"
        "        return self.core.pipe(body, model_id, messages)\n"
    )
    broken = '"""\ntitle: Broken\n"""\nimport module_that_does_not_exist\n'
    for name, source in (("uploaded_plugin.py", good), ("broken_plugin.py", broken)):
        response = server.client.post(
            "/pipelines/upload",
            headers=server.auth,
            files={"file": (name, source.encode(), "text/x-python")},
        )
        assert response.status_code == 200  # the server says 200 even for the broken one
    listed = {p["id"] for p in server.client.get("/pipelines", headers=server.auth).json()["data"]}
    assert "uploaded_plugin" in listed
    assert "broken_plugin" not in listed
    assert {"alphaomega_code", "alphaomega_vision"} <= listed
    assert "Uploaded · llama3.1:8b" in {m["name"] for m in server.models()}


def test_models_and_pipelines_need_the_key(server):
    assert httpx.get(server.url + "/v1/models").status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert server.client.get("/pipelines", headers=bad).status_code == 401


def test_sse_lines_are_json_the_way_open_webui_reads_them(server, sim):
    sim.queue_replies("ok")
    body = {"model": MODEL, "messages": HELLO, "stream": True}
    with server.client.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    for line in lines[:-1]:
        json.loads(line[6:])


def test_valve_preset_changes_only_what_it_names(server, tmp_path):
    from click.testing import CliRunner

    from alphaomega.cli import main

    before = server.client.get("/alphaomega_vision/valves").json()
    preset = tmp_path / "preset.json"
    preset.write_text('{"$comment": "x", "alphaomega_vision": {"max_width": 640}}')
    keyless = CliRunner().invoke(
        main,
        ["valves", "apply", str(preset), "--url", server.url, "--data-dir", str(tmp_path)],
        env={"PIPELINES_API_KEY": ""},
    )
    assert keyless.exit_code == 2 and "API key" in keyless.output
    (tmp_path / "pipelines_api_key").write_text(server.api_key + "\n")
    result = CliRunner().invoke(
        main,
        ["valves", "apply", str(preset), "--url", server.url, "--data-dir", str(tmp_path)],
        env={"PIPELINES_API_KEY": ""},
    )
    assert result.exit_code == 0, result.output
    after = server.client.get("/alphaomega_vision/valves").json()
    assert after["max_width"] == 640
    assert {k: v for k, v in after.items() if k != "max_width"} == {
        k: v for k, v in before.items() if k != "max_width"
    }
    bad = tmp_path / "bad.json"
    bad.write_text('{"no_such_plugin": {"x": 1}}')
    result = CliRunner().invoke(
        main,
        ["valves", "apply", str(bad), "--url", server.url],
        env={"PIPELINES_API_KEY": server.api_key},
    )
    assert result.exit_code == 2 and "no_such_plugin" in result.output
