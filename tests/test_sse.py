"""A reply's events as what the Pipelines server sends: chunks for the worker thread, SSE
bytes for the native path, the same reply either way."""

import asyncio

import orjson
import pytest

from alphaomega import chat, openai, runtime, sse
from alphaomega.fleet import ChatDelta
from tests.test_chat import DONE, scripted


def test_sse_stream_renders_chunks_usage_and_done_once():
    stream = sse.SSEStream(
        "m", chat.reply_events(scripted(ChatDelta(content="hi"), DONE), waiting_text="w")
    )
    lines = list(stream)
    assert lines[-1] == "data: [DONE]"
    finals = [c for c in lines[:-1] if c["choices"][0]["finish_reason"]]
    assert len(finals) == 1 and finals[0]["usage"]["total_tokens"] == 7
    assert lines[0]["choices"][0]["delta"]["content"] == "hi"
    # An iterator but not a generator: the server then adds no second finish chunk.
    import types

    assert not isinstance(stream, types.GeneratorType)


def test_coalesce_merges_only_adjacent_text_and_keeps_order():
    status, done = [{"status": "s"}], [{"status": "s", "done": True}, "data: [DONE]"]
    pieces = [status, "a", "b", done, "c", "d", "e"]
    assert sse.coalesce(pieces) == [status, "ab", done, "cde"]


def test_a_server_that_fell_behind_gets_the_piled_up_tokens_as_one_chunk(monkeypatch):
    """The worker-thread reader: whatever arrived by its next step is one content chunk."""

    def all_at_once(agen):
        async def drain():
            return [piece async for piece in agen]

        yield runtime.call(drain())

    monkeypatch.setattr(sse.runtime, "iterate_batches", all_at_once)
    stream = sse.SSEStream(
        "m",
        chat.reply_events(
            scripted(ChatDelta(content="he"), ChatDelta(content="llo"), DONE), waiting_text="w"
        ),
    )
    lines = list(stream)
    assert [c["choices"][0]["delta"].get("content") for c in lines[:-1]] == ["hello", None]
    assert lines[-2]["usage"]["total_tokens"] == 7 and lines[-1] == "data: [DONE]"


async def test_sse_lines_give_one_piece_per_event_and_end_with_the_finish_and_done_together():
    stream = sse.SSEStream(
        "m",
        chat.reply_events(
            scripted(ChatDelta(content="he"), ChatDelta(content="llo"), DONE), waiting_text="w"
        ),
    )
    pieces = [piece.decode() async for piece in stream.sse_lines()]
    assert len(pieces) == 3
    assert all(p.startswith("data: ") and p.endswith("\n\n") for p in pieces)
    assert '"content":"he"' in pieces[0] and '"content":"llo"' in pieces[1]
    final, done = pieces[2].split("\n\n")[:2]
    assert '"finish_reason":"stop"' in final and '"total_tokens":7' in final
    assert done == "data: [DONE]" and pieces[2].endswith(sse.SSE_END.decode())


def _as_read(chunks):
    """Chunks as a reader sees them: texts joined (the worker thread may get tokens coalesced),
    completion ids and times left out."""
    read = []
    for chunk in chunks:
        content = chunk["choices"][0]["delta"].get("content") if "choices" in chunk else None
        if content is not None and read and isinstance(read[-1], str):
            read[-1] += content
            continue
        if content is not None:
            read.append(content)
            continue
        read.append({k: v for k, v in chunk.items() if k not in ("id", "created")})
    return read


@pytest.mark.parametrize(
    "steps",
    [
        (ChatDelta(content="a"), DONE),
        (0.05, ChatDelta(content="a"), KeyError("boom")),
        (ChatDelta(content="a"),),
    ],
    ids=["finished", "failed", "cut-short"],
)
async def test_both_readers_get_the_same_reply(steps):
    def stream():
        return sse.SSEStream(
            "m", chat.reply_events(scripted(*steps), waiting_text="w", status_after_s=0.01)
        )

    pieces = b"".join([piece async for piece in stream().sse_lines()]).decode()
    lines = [line for line in pieces.split("\n\n") if line]
    assert lines[-1] == openai.DONE_LINE
    native = [orjson.loads(line[len("data: ") :]) for line in lines[:-1]]
    worker = await asyncio.to_thread(list, stream())
    assert worker[-1] == openai.DONE_LINE
    assert _as_read(worker[:-1]) == _as_read(native)
    assert sum(1 for c in native if c.get("choices", [{}])[0].get("finish_reason")) == 1


async def test_sse_lines_that_end_without_a_finish_still_send_one():
    async def cut_short():
        yield chat.Text("a")

    pieces = [piece.decode() async for piece in sse.SSEStream("m", cut_short()).sse_lines()]
    assert len(pieces) == 2 and '"finish_reason":"stop"' in pieces[1]
    assert pieces[1].endswith(sse.SSE_END.decode())


@pytest.mark.parametrize("text", ["tok ", "", 'quote " and \\ back', "line\nbreak", "Ünïcødé 🚀"])
def test_a_content_chunk_rendered_from_its_frame_is_the_chunk_itself(text):
    chunks = sse._Chunks("alphaomega_code.qwen2.5-coder:7b")
    rendered = chunks.content_sse(text)
    again = chunks.content_sse(text)  # from the frame kept for this second
    assert rendered.startswith(b"data: ") and rendered.endswith(b"\n\n")
    payload = orjson.loads(again[len(b"data: ") :])
    expected = openai.content_chunk(chunks.model, text, chunk_id=chunks.chunk_id)
    assert payload == expected | {"created": payload["created"]}
    assert abs(payload["created"] - expected["created"]) <= 1


def test_a_content_chunk_frame_follows_the_clock(monkeypatch):
    chunks = sse._Chunks("m")
    monkeypatch.setattr(sse.time, "time", lambda: 1_000.5)
    monkeypatch.setattr(openai.time, "time", lambda: 1_000.5)
    assert orjson.loads(chunks.content_sse("a")[6:])["created"] == 1_000
    monkeypatch.setattr(sse.time, "time", lambda: 1_001.2)
    monkeypatch.setattr(openai.time, "time", lambda: 1_001.2)
    assert orjson.loads(chunks.content_sse("b")[6:])["created"] == 1_001


def test_chat_still_offers_the_rendering_under_its_old_names():
    """Models, the native host and plugin code reach the rendering as ``chat.X``."""
    for name in ("SSEStream", "SSE_END", "coalesce", "sse_line"):
        assert getattr(chat, name) is getattr(sse, name)
        assert name in chat.__all__
