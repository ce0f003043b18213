"""The Ollama client against queued wire-level responses (the simulator tests cover the rest)."""

import json

import httpx
import pytest

from alphaomega.errors import (
    BackendProtocolError,
    BackendStatusError,
    BackendUnavailable,
    ModelNotFound,
    StreamInterrupted,
)
from alphaomega.fleet._models import ChatMessage, ChatRequest
from alphaomega.fleet._ollama import OllamaClient

URL = "http://gpu0:11434"


def queued(*responses):
    """An httpx transport that answers each request with the next queued response."""
    queue = list(responses)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(handler)), seen


def ndjson(*objects):
    """One body, read in one piece: every line arrives at once."""
    return httpx.Response(200, content="".join(json.dumps(o) + "\n" for o in objects).encode())


class Pieces(httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    async def __aiter__(self):
        for piece in self.pieces:
            yield piece


def ndjson_apart(*objects, split_at: int | None = None):
    """A body whose lines arrive one read each (or, with ``split_at``, the first line cut
    in two at that byte)."""
    lines = [json.dumps(o).encode() + b"\n" for o in objects]
    if split_at is not None:
        lines[:1] = [lines[0][:split_at], lines[0][split_at:]]
    return httpx.Response(200, stream=Pieces(lines))


REQUEST = ChatRequest(model="qwen2.5-coder:7b", messages=[ChatMessage(role="user", content="hi")])
FINAL = {
    "model": "qwen2.5-coder:7b",
    "message": {"role": "assistant", "content": ""},
    "done": True,
    "done_reason": "stop",
    "prompt_eval_count": 26,
    "eval_count": 3,
    "load_duration": 2_500_000_000,
}


def piece(text):
    return {
        "model": "qwen2.5-coder:7b",
        "message": {"role": "assistant", "content": text},
        "done": False,
    }


async def test_chat_streams_deltas_and_usage_and_sends_the_protocol():
    http, seen = queued(ndjson_apart(piece("Hel"), piece("lo"), FINAL))
    deltas = [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert [d.content for d in deltas] == ["Hel", "lo", ""]
    assert deltas[-1].done and deltas[-1].usage.as_openai() == {
        "prompt_tokens": 26,
        "completion_tokens": 3,
        "total_tokens": 29,
    }
    assert deltas[-1].load_seconds == 2.5
    sent = json.loads(seen[0].content)
    assert seen[0].url.path == "/api/chat"
    assert sent["stream"] is True and sent["model"] == "qwen2.5-coder:7b"
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


async def test_lines_that_arrive_together_are_one_delta_with_the_last_ones_end():
    http, _ = queued(ndjson(piece("Hel"), piece("lo"), piece(" you"), FINAL))
    deltas = [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert [d.content for d in deltas] == ["Hello you"]
    assert deltas[0].done and deltas[0].done_reason == "stop"
    assert deltas[0].usage.completion_tokens == 3 and deltas[0].load_seconds == 2.5


async def test_a_line_cut_across_reads_is_put_back_together():
    http, _ = queued(ndjson_apart(piece("Hel"), piece("lo"), FINAL, split_at=20))
    deltas = [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert [d.content for d in deltas] == ["Hel", "lo", ""]


async def test_unknown_model_is_model_not_found():
    http, _ = queued(
        httpx.Response(
            404, json={"error": 'model "qwen2.5-coder:7b" not found, try pulling it first'}
        )
    )
    with pytest.raises(ModelNotFound) as info:
        [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert info.value.model == "qwen2.5-coder:7b"


async def test_server_error_is_status_error():
    http, _ = queued(httpx.Response(500, json={"error": "llama runner process has terminated"}))
    with pytest.raises(BackendStatusError, match="runner") as info:
        [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert info.value.status == 500


async def test_refused_connection_is_unavailable():
    http, _ = queued(httpx.ConnectError("Connection refused"))
    with pytest.raises(BackendUnavailable):
        await OllamaClient(URL, http=http).tags()


@pytest.mark.parametrize("arrival", [ndjson, ndjson_apart])
async def test_error_line_mid_stream_is_a_cut_with_partial_text(arrival):
    http, _ = queued(arrival(piece("par"), piece("tial"), {"error": "out of memory"}))
    received = []
    with pytest.raises(StreamInterrupted) as info:
        async for delta in OllamaClient(URL, http=http).chat(REQUEST):
            received.append(delta.content)
    assert info.value.partial == "partial" == "".join(received)


async def test_stream_without_final_message_is_a_cut():
    http, _ = queued(ndjson(piece("par")))
    with pytest.raises(StreamInterrupted):
        [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]


async def test_garbage_is_a_protocol_error():
    http, _ = queued(httpx.Response(200, content=b"<html>proxy</html>\n"))
    with pytest.raises(BackendProtocolError):
        [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]


async def test_tags_and_ps():
    http, seen = queued(
        httpx.Response(200, json={"models": [{"name": "a:1", "model": "a:1", "size": 10}]}),
        httpx.Response(200, json={"models": [{"name": "a:1", "size_vram": 10}]}),
    )
    client = OllamaClient(URL, http=http)
    assert [m.name for m in await client.tags()] == ["a:1"]
    assert [m.size_vram for m in await client.ps()] == [10]
    assert [r.url.path for r in seen] == ["/api/tags", "/api/ps"]


def sse(*chunks):
    lines = "".join(f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks)
    return httpx.Response(200, content=lines.encode())


async def test_openai_compatible_stream_with_usage():
    from alphaomega.fleet._openai_compat import OpenAICompatClient

    http, seen = queued(
        sse(
            {"choices": [{"delta": {"content": "hi"}, "finish_reason": None}]},
            {"choices": [{"delta": {}, "finish_reason": "stop"}]},
            {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}},
            "[DONE]",
        )
    )
    deltas = [d async for d in OpenAICompatClient("http://llama:8080/v1", http=http).chat(REQUEST)]
    assert [d.content for d in deltas] == ["hi", ""]
    assert deltas[-1].usage.total_tokens == 4
    assert seen[0].url.path == "/v1/chat/completions"
    assert json.loads(seen[0].content)["stream_options"] == {"include_usage": True}


async def test_openai_compatible_done_without_text_or_finish_is_a_cut():
    from alphaomega.fleet._openai_compat import OpenAICompatClient

    http, _ = queued(sse("[DONE]"))
    with pytest.raises(StreamInterrupted):
        [d async for d in OpenAICompatClient("http://llama:8080", http=http).chat(REQUEST)]


def together(*lines: bytes) -> httpx.Response:
    """Raw lines that arrive in one read."""
    return httpx.Response(200, content=b"".join(line + b"\n" for line in lines))


async def test_two_values_on_one_line_are_not_taken_for_two_lines():
    # The lines of one read are parsed together; a line holding two JSON values must not
    # pass for two good lines.
    http, _ = queued(
        together(
            json.dumps(piece("ok")).encode(),
            json.dumps(piece("a")).encode() + b"," + json.dumps(FINAL).encode(),
        )
    )
    received = []
    with pytest.raises(StreamInterrupted) as info:
        async for delta in OllamaClient(URL, http=http).chat(REQUEST):
            received.append(delta.content)
    assert received == ["ok"] and info.value.partial == "ok"
    assert "not JSON" in str(info.value)


async def test_a_json_line_that_is_not_an_object_is_a_protocol_error():
    http, _ = queued(together(b'["a list"]', json.dumps(FINAL).encode()))
    with pytest.raises(BackendProtocolError, match="not a JSON object"):
        [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]


async def test_blank_lines_between_messages_are_skipped():
    http, _ = queued(
        together(
            json.dumps(piece("Hel")).encode(),
            b"",
            b"  ",
            json.dumps(piece("lo")).encode(),
            json.dumps(FINAL).encode(),
        )
    )
    deltas = [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert [d.content for d in deltas] == ["Hello"] and deltas[0].done


async def test_a_compressed_reply_from_a_proxy_is_decoded():
    import gzip

    body = "".join(json.dumps(o) + "\n" for o in (piece("zip"), piece("ped"), FINAL))
    http, _ = queued(
        httpx.Response(
            200, headers={"content-encoding": "gzip"}, content=gzip.compress(body.encode())
        )
    )
    deltas = [d async for d in OllamaClient(URL, http=http).chat(REQUEST)]
    assert "".join(d.content for d in deltas) == "zipped" and deltas[-1].done


# -- the same client over a real socket, on each transport ALPHAOMEGA_TRANSPORT chooses ---------


@pytest.fixture(params=["pack", "httpx"])
def wire_http(request, monkeypatch):
    from alphaomega import transport

    monkeypatch.setenv(transport.TRANSPORT_SWITCH, request.param)
    return transport.backend_client(httpx.Limits(max_connections=8), 5.0)


def ollama_answer(*objects, status=200):
    """A wire-level Ollama reply, chunked one JSON line a chunk."""
    lines = [json.dumps(o).encode() + b"\n" for o in objects]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(line), line) for line in lines) + b"0\r\n\r\n"
    head = b"HTTP/1.1 %d X\r\ncontent-type: application/x-ndjson\r\n" % status
    reply = head + b"transfer-encoding: chunked\r\n\r\n" + chunks

    async def answer(request, writer):
        writer.write(reply)
        await writer.drain()

    return answer


async def test_a_chat_streams_over_either_transport(wire_http):
    from tests.test_transport import RawServer

    async with (
        RawServer(ollama_answer(piece("Hel"), piece("lo"), FINAL)) as server,
        wire_http as http,
    ):
        deltas = [d async for d in OllamaClient(server.url, http=http).chat(REQUEST)]
    assert "".join(d.content for d in deltas) == "Hello"
    assert deltas[-1].done and deltas[-1].usage.completion_tokens == 3
    sent = json.loads(server.requests[0]["body"])
    assert server.requests[0]["line"].startswith("POST /api/chat ")
    assert sent["stream"] is True and sent["model"] == "qwen2.5-coder:7b"


async def test_an_unknown_model_is_model_not_found_over_either_transport(wire_http):
    from tests.test_transport import RawServer

    missing = {"error": 'model "qwen2.5-coder:7b" not found, try pulling it first'}
    async with (
        RawServer(ollama_answer(missing, status=404)) as server,
        wire_http as http,
    ):
        with pytest.raises(ModelNotFound):
            _ = [d async for d in OllamaClient(server.url, http=http).chat(REQUEST)]


async def test_nothing_listening_is_backend_unavailable_over_either_transport(wire_http):
    async with wire_http as http:
        with pytest.raises(BackendUnavailable):
            _ = [d async for d in OllamaClient("http://127.0.0.1:9", http=http).chat(REQUEST)]


def test_thinking_and_tool_calls_come_apart_from_the_text():
    import orjson as _orjson

    from alphaomega.fleet import ToolCall
    from alphaomega.fleet._ollama import merged_delta

    call = {"id": "call_1", "function": {"index": 0, "name": "f", "arguments": {"a": 1}}}
    lines = [
        _orjson.dumps({"message": {"role": "assistant", "content": "", "thinking": "hm "}}),
        _orjson.dumps({"message": {"role": "assistant", "content": "", "thinking": "ok"}}),
        _orjson.dumps({"message": {"role": "assistant", "content": "", "tool_calls": [call]}}),
        _orjson.dumps({"done": True, "done_reason": "stop", "message": {"content": ""}}),
    ]
    delta, error = merged_delta(lines, "http://x")
    assert error is None and delta.done and delta.content == ""
    assert delta.thinking == "hm ok"
    assert delta.tool_calls == (ToolCall("f", '{"a":1}', "call_1"),)
