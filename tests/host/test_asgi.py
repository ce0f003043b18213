"""The native path's streaming of one reply, against a recording ASGI ``send``."""

import asyncio

from alphaomega import chat
from alphaomega.host._asgi import _stream


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


def reply(gate: asyncio.Event, closed: list[str]):
    async def events():
        try:
            await gate.wait()
            yield chat.Text("hello")
            await gate.wait()
            yield chat.Finish()
        finally:
            closed.append("events")

    return chat.SSEStream("m", events())


async def test_the_headers_wait_for_the_first_piece_and_go_out_with_it():
    client, gate, closed = Client(), asyncio.Event(), []
    streaming = asyncio.ensure_future(_stream(reply(gate, closed), client.receive, client.send))
    await asyncio.sleep(0.05)
    assert client.sent == []  # nothing to say yet: not even the headers
    gate.set()
    await asyncio.wait_for(streaming, 5)
    kinds = [(m["type"], m.get("more_body")) for m in client.sent]
    assert kinds == [("http.response.start", None), ("http.response.body", True),
                     ("http.response.body", False)]
    assert b'"content":"hello"' in client.sent[1]["body"]
    assert client.sent[2]["body"].endswith(chat.SSE_END)
    assert closed == ["events"]


async def test_a_client_that_leaves_stops_the_reply_and_the_request_ends_quietly():
    client, gate, closed = Client(), asyncio.Event(), []
    streaming = asyncio.ensure_future(_stream(reply(gate, closed), client.receive, client.send))
    await asyncio.sleep(0.02)
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
