"""A finished streamed reply gives its connection back to the pool (``fleet._wire.drain``)."""

import gc
import sys

import httpx
import pytest

from alphaomega import runtime
from alphaomega.fleet import ChatMessage, ChatRequest, OllamaClient
from alphaomega.transport import BackendClient, PackTransport
from tests.conftest import CODE_MODEL

REPLY = "one two three four five"


def request(text: str = "hi") -> ChatRequest:
    return ChatRequest(model=CODE_MODEL, messages=[ChatMessage(role="user", content=text)])


@pytest.fixture
def client_ports(sim):
    """The client ports of the connections the simulator has open while it answers each chat."""
    seen: list[set[int]] = []

    def reply(_request):
        # Called on the simulator's loop, where its connection set is changed: safe to read.
        seen.append({connection.client[1] for connection in sim.app.connections()})
        return REPLY

    sim.set_reply(reply)
    return seen


def counting_client() -> tuple[httpx.AsyncClient, list[str]]:
    """A plain pooled client that records each new TCP connection (httpcore's trace)."""
    connects: list[str] = []

    async def trace(event: str, _info: dict) -> None:
        if event == "connection.connect_tcp.complete":
            connects.append(event)

    async def add_trace(http_request: httpx.Request) -> None:
        http_request.extensions["trace"] = trace

    client = httpx.AsyncClient(event_hooks={"request": [add_trace]})
    return client, connects


async def test_the_next_chat_reuses_the_connection_of_a_finished_one(sim, client_ports):
    http, connects = counting_client()
    async with http:
        ollama = OllamaClient(sim.url, http=http)
        for _ in range(3):
            deltas = [delta async for delta in ollama.chat(request())]
            assert "".join(d.content for d in deltas) == REPLY
            assert deltas[-1].done and deltas[-1].usage.completion_tokens > 0
    assert len(connects) == 1, "one TCP connection for three chats in a row"
    assert len(client_ports) == 3
    assert len(set().union(*client_ports)) == 1, "the simulator saw one client connection"


async def test_a_caller_that_stops_at_the_final_delta_still_leaves_a_reusable_connection(
    sim, client_ports
):
    http, connects = counting_client()
    async with http:
        ollama = OllamaClient(sim.url, http=http)
        for _ in range(2):
            async for delta in ollama.chat(request()):
                if delta.done:
                    break
    assert len(connects) == 1
    assert len(set().union(*client_ports)) == 1


async def test_other_calls_after_a_chat_reuse_it_too(sim, client_ports):
    http, connects = counting_client()
    async with http:
        ollama = OllamaClient(sim.url, http=http)
        [delta async for delta in ollama.chat(request())]
        assert await ollama.version()
        assert CODE_MODEL in [m.name for m in await ollama.tags()]
    assert len(connects) == 1


def test_the_shared_client_keeps_its_connection_for_later_chats(sim, client_ports, pack):
    # A Pack of the test's own: a fresh shared client, connections of earlier tests do not count.
    ollama = OllamaClient(sim.url)

    async def chat() -> str:
        return "".join([delta.content async for delta in ollama.chat(request())])

    for _ in range(6):
        assert runtime.call(chat()) == REPLY
    pack.close()
    ports = set().union(*client_ports)
    assert len(ports) == 1, "one connection, reused for every later chat"


async def test_a_chat_read_to_its_end_leaves_no_generator_for_the_loop_to_close(sim):
    # The loop closes an unfinished async generator in a task of its own, woken through its
    # self-pipe: per chat, that was two of them (the line splitter and the body's reader).
    firstiter, finalizer = sys.get_asyncgen_hooks()
    left: list[str] = []

    def record(agen) -> None:
        code = agen.ag_code
        if "alphaomega" in code.co_filename and "testing" not in code.co_filename:
            left.append(code.co_qualname)  # the pack's own, not the simulator's
        finalizer(agen)

    sys.set_asyncgen_hooks(firstiter, record)
    try:
        async with BackendClient(transport=PackTransport(runtime.DEFAULT_LIMITS)) as http:
            ollama = OllamaClient(sim.url, http=http)
            for _ in range(3):
                deltas = [delta async for delta in ollama.chat(request())]
                assert deltas[-1].done and "".join(d.content for d in deltas)
            gc.collect()
    finally:
        sys.set_asyncgen_hooks(firstiter, finalizer)
    assert left == []
