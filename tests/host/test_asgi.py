"""The native path's streaming of one reply, against a recording ASGI ``send``."""

import asyncio
import weakref

import orjson
import pytest

from alphaomega import chat
from alphaomega.host._asgi import NativePath, _stream


class Client:
    """The server side of one request: what was sent, and a disconnect on demand."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.gone = asyncio.Event()

    async def send(self, message: dict) -> None:
        self.sent.append(message)

    async def receive(self) -> dict:
        await self.gone.wait()
        return {"type": "http.disconnect"}


def reply(gate: asyncio.Event, closed: list[str], started: asyncio.Event | None = None):
    async def events():
        try:
            if started is not None:  # the reply is being read: headers sent eagerly are out
                started.set()
            await gate.wait()
            yield chat.Text("hello")
            await gate.wait()
            yield chat.Finish()
        finally:
            closed.append("events")

    return chat.SSEStream("m", events())


async def test_the_headers_wait_for_the_first_piece_and_go_out_with_it():
    client, gate, closed, started = Client(), asyncio.Event(), [], asyncio.Event()
    streaming = asyncio.ensure_future(
        _stream(reply(gate, closed, started), client.receive, client.send)
    )
    await asyncio.wait_for(started.wait(), 5)
    assert client.sent == []  # nothing to say yet: not even the headers
    gate.set()
    await asyncio.wait_for(streaming, 5)
    kinds = [(m["type"], m.get("more_body")) for m in client.sent]
    assert kinds == [
        ("http.response.start", None),
        ("http.response.body", True),
        ("http.response.body", False),
    ]
    assert b'"content":"hello"' in client.sent[1]["body"]
    assert client.sent[2]["body"].endswith(chat.SSE_END)
    assert closed == ["events"]


async def test_a_client_that_leaves_stops_the_reply_and_the_request_ends_quietly():
    client, gate, closed, started = Client(), asyncio.Event(), [], asyncio.Event()
    streaming = asyncio.ensure_future(
        _stream(reply(gate, closed, started), client.receive, client.send)
    )
    await asyncio.wait_for(started.wait(), 5)  # the reply is being read when the client leaves
    client.gone.set()
    await asyncio.wait_for(streaming, 5)  # returns: no CancelledError leaks to the server
    assert closed == ["events"]
    assert client.sent == []
    assert not streaming.cancelled()


async def test_a_cancellation_from_elsewhere_still_cancels():
    client, gate, closed = Client(), asyncio.Event(), []
    streaming = asyncio.ensure_future(_stream(reply(gate, closed), client.receive, client.send))
    await asyncio.sleep(0.02)
    streaming.cancel()  # e.g. the server shutting down
    done, _ = await asyncio.wait({streaming}, timeout=5)
    assert done and streaming.cancelled()
    assert closed == ["events"]


# ---- the door: a chat request's shape is checked before any route sees it --------------------


class StubServer:
    """A server with no plugins of the pack: every chat it lets in goes to the stock stack."""

    def plugin(self, plugin_id):
        return None


class Inner:
    """The stock stack: records what reached it and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        self.bodies.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stock", "more_body": False})


async def call(body: bytes, *, path="/v1/chat/completions", headers=None):
    inner, sent = Inner(), []
    headers = headers if headers is not None else [(b"content-type", b"application/json")]
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await NativePath(inner, StubServer(), weakref.WeakSet())(scope, receive, send)
    return inner, sent


def chat_json(messages, **extra) -> bytes:
    return orjson.dumps({"model": "anyone.model", "messages": messages, "stream": True, **extra})


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/chat/completions"])
@pytest.mark.parametrize("origin", [False, True])
async def test_a_malformed_chat_is_refused_before_the_stock_route_sees_it(path, origin):
    headers = [(b"content-type", b"application/json")] + ([(b"origin", b"http://x")] * origin)
    inner, sent = await call(
        chat_json([{"role": "user", "content": [{"text": "hi"}]}]), path=path, headers=headers
    )
    assert inner.bodies == []
    assert sent[0]["status"] == 400
    assert "names no 'type'" in orjson.loads(sent[1]["body"])["detail"]


async def test_a_huge_max_tokens_is_refused_even_where_the_json_reads_it_as_a_float():
    body = (
        chat_json([{"role": "user", "content": "hi"}])[:-1] + b',"max_tokens":1' + b"0" * 40 + b"}"
    )
    inner, sent = await call(body)
    assert sent[0]["status"] == 400 and inner.bodies == []
    assert "'max_tokens' is too large" in orjson.loads(sent[1]["body"])["detail"]


@pytest.mark.parametrize(
    "body",
    [chat_json([{"role": "user", "content": "hi"}]), b"{not json"],
    ids=["sound", "not json: the stock route's to answer"],
)
async def test_what_the_door_does_not_refuse_reaches_the_stock_stack_unchanged(body):
    inner, sent = await call(body)
    assert inner.bodies == [body]
    assert sent[0]["status"] == 200


async def test_other_routes_and_bodies_not_sent_as_json_are_not_checked():
    bad = chat_json([{"role": "user", "content": [5]}])
    inner, _ = await call(bad, path="/v1/models")
    assert inner.bodies == [bad]
    inner, _ = await call(bad, headers=[(b"content-type", b"text/plain")])
    assert inner.bodies == [bad]
