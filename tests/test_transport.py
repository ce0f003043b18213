"""The shared client's transport: plain HTTP/1.1 parsed by httptools, connections kept alive,
every failure one of httpx's own exceptions."""

import asyncio
import base64
import contextlib
import json

import httpx
import pytest

from alphaomega import transport as transport_module
from alphaomega._http1 import Connection
from alphaomega.transport import (
    TRANSPORT_SWITCH,
    BackendClient,
    JSONPost,
    PackTransport,
    post_streaming,
)

WAIT_S = 5.0
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16)


class RawServer:
    """An HTTP/1.1 server on a socket, answering each request with what ``answer`` writes.

    ``answer(request, writer)`` gets the request line, headers and body; it returns False to
    close the connection afterwards. The server records the client port of every connection.
    """

    def __init__(self, answer) -> None:
        self.answer = answer
        self.ports: list[int] = []
        self.requests: list[dict] = []
        self.open = 0
        self.most_open = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> "RawServer":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()
        for handler in self._handlers:
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._handlers.add(asyncio.current_task())
        self._writers.add(writer)
        self.ports.append(writer.get_extra_info("peername")[1])
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                line, *header_lines = head.strip().split("\r\n")
                headers = {
                    name.lower(): value.strip()
                    for name, _, value in (h.partition(":") for h in header_lines)
                }
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                request = {
                    "line": line,
                    "headers": headers,
                    "body": body,
                    "port": writer.get_extra_info("peername")[1],
                }
                self.requests.append(request)
                if await self.answer(request, writer) is False:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the server is shutting down
        finally:
            self.open -= 1
            writer.close()


async def ok(request, writer, text: bytes = b"ok") -> None:
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(text), text))
    await writer.drain()


async def echo_port(request, writer) -> None:
    await ok(request, writer, str(request["port"]).encode())


def raw(data: bytes, *, then_close: bool = False):
    """An answer that writes ``data`` as it is (and then, maybe, closes the connection)."""

    async def answer(request, writer):
        writer.write(data)
        await writer.drain()
        return not then_close

    return answer


def gated(answer):
    """An answer held until the returned event is set: requests pile up at the server."""
    gate = asyncio.Event()

    async def held(request, writer):
        await gate.wait()
        await answer(request, writer)

    return gate, held


async def pile_up(http: httpx.AsyncClient, server: "RawServer", count: int, at_server: int):
    """Start ``count`` GETs; return them once ``at_server`` of them reached the server."""
    requests = [asyncio.ensure_future(http.get(server.url)) for _ in range(count)]
    await wait_for(lambda: len(server.requests) == at_server)
    return requests


def client(**limits) -> httpx.AsyncClient:
    transport = PackTransport(httpx.Limits(**limits) if limits else LIMITS)
    return httpx.AsyncClient(transport=transport, timeout=WAIT_S)


async def wait_for(condition) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


# -- requests and responses -----------------------------------------------------------------


async def test_a_request_arrives_whole_and_its_answer_comes_back():
    async with RawServer(ok) as server, client() as http:
        host = server.url.removeprefix("http://")
        reply = await http.post(
            f"{server.url}/api/chat?x=1&y=%20", json={"a": "é"}, headers={"X-Trace": "t1"}
        )
    assert reply.status_code == 200 and reply.text == "ok"
    assert reply.http_version == "HTTP/1.1" and reply.reason_phrase == "OK"
    request = server.requests[0]
    assert request["line"] == "POST /api/chat?x=1&y=%20 HTTP/1.1"
    assert json.loads(request["body"]) == {"a": "é"}
    assert request["headers"]["x-trace"] == "t1"
    assert request["headers"]["host"] == host
    assert request["headers"]["content-type"] == "application/json"


async def test_a_streamed_request_body_is_sent_with_its_length():
    async def parts():
        for piece in (b"one ", b"two ", b"three"):
            yield piece

    async with RawServer(ok) as server, client() as http:
        await http.post(server.url, content=parts())
    request = server.requests[0]
    assert request["body"] == b"one two three"
    assert request["headers"]["content-length"] == "13"
    assert "transfer-encoding" not in request["headers"]


async def test_a_chunked_reply_streams_line_by_line():
    async def ndjson(request, writer):
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        for i in range(5):
            line = json.dumps({"n": i}).encode() + b"\n"
            writer.write(b"%x\r\n%s\r\n" % (len(line), line))
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")

    async with RawServer(ndjson) as server, client() as http:
        async with http.stream("POST", server.url, json={}) as reply:
            lines = [json.loads(line) async for line in reply.aiter_lines() if line]
        assert lines == [{"n": i} for i in range(5)]
        assert (await http.get(server.url)).status_code == 200
    assert len(server.ports) == 1, "the connection is reused once the chunked reply ended"


async def test_a_reply_that_runs_until_the_server_closes_is_read_whole():
    until_close = raw(b"HTTP/1.1 200 OK\r\n\r\nall of it", then_close=True)
    async with RawServer(until_close) as server, client() as http:
        assert (await http.get(server.url)).text == "all of it"
        assert (await http.get(server.url)).text == "all of it"
    assert len(server.ports) == 2


async def test_a_large_reply_read_slowly_arrives_intact():
    payload = bytes(range(256)) * 8192  # 2 MiB, far past the read-ahead limit

    async def large(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(payload))
        writer.write(payload)
        await writer.drain()

    async with RawServer(large) as server, client() as http:
        received = bytearray()
        async with http.stream("GET", server.url) as reply:
            async for piece in reply.aiter_bytes():
                received += piece
                await asyncio.sleep(0)
        assert bytes(received) == payload
        assert (await http.get(server.url)).status_code == 200
    assert len(server.ports) == 1


async def test_gzip_replies_are_decoded_by_httpx_as_usual():
    import gzip

    async def zipped(request, writer):
        data = gzip.compress(b"unzipped text")
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(data), data)
        )
        await writer.drain()

    async with RawServer(zipped) as server, client() as http:
        assert (await http.get(server.url)).text == "unzipped text"


async def test_an_informational_response_before_the_answer_is_skipped():
    async def continue_first(request, writer):
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        await ok(request, writer, b"the answer")

    async with RawServer(continue_first) as server, client() as http:
        reply = await http.post(server.url, json={})
        assert reply.status_code == 200 and reply.text == "the answer"
        assert (await http.post(server.url, json={})).text == "the answer"
    assert len(server.ports) == 1


async def test_error_statuses_are_replies_not_exceptions():
    async def missing(request, writer):
        body = b'{"error":"model not found"}'
        writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()

    async with RawServer(missing) as server, client() as http:
        reply = await http.post(server.url, json={})
    assert reply.status_code == 404 and reply.json() == {"error": "model not found"}


# -- connections ----------------------------------------------------------------------------


async def test_sequential_requests_reuse_one_connection():
    async with RawServer(echo_port) as server, client() as http:
        answered = {(await http.get(server.url)).text for _ in range(20)}
    assert len(server.ports) == 1 and answered == {str(server.ports[0])}


async def test_concurrent_requests_open_connections_that_are_kept_for_later():
    gate, held = gated(echo_port)
    async with RawServer(held) as server, client() as http:
        first = await pile_up(http, server, 8, at_server=8)
        gate.set()
        assert all(r.status_code == 200 for r in await asyncio.gather(*first))
        again = await asyncio.gather(*(http.get(server.url) for _ in range(8)))
    assert len(server.ports) == 8
    assert {int(r.text) for r in again} <= set(server.ports)


async def test_no_more_connections_than_the_limit_and_waiting_requests_get_freed_ones():
    gate, held = gated(ok)
    async with (
        RawServer(held) as server,
        client(max_connections=3, max_keepalive_connections=3) as http,
    ):
        requests = await pile_up(http, server, 9, at_server=3)
        await asyncio.sleep(0.1)  # room for a request past the limit to show up
        assert len(server.requests) == 3
        gate.set()
        assert all(r.status_code == 200 for r in await asyncio.gather(*requests))
    assert server.most_open == 3 and len(server.ports) == 3


async def test_a_request_that_finds_no_free_connection_in_time_is_a_pool_timeout():
    gate, held = gated(ok)
    async with RawServer(held) as server, client(max_connections=1) as http:
        first = asyncio.ensure_future(http.get(server.url))
        await wait_for(lambda: len(server.requests) == 1)
        with pytest.raises(httpx.PoolTimeout):
            await http.get(server.url, timeout=httpx.Timeout(WAIT_S, pool=0.05))
        gate.set()
        assert (await first).status_code == 200
        assert (await http.get(server.url)).status_code == 200, "the slot was not lost"


async def test_idle_connections_past_the_keepalive_limit_are_closed():
    gate, held = gated(ok)
    async with (
        RawServer(held) as server,
        client(max_connections=8, max_keepalive_connections=2) as http,
    ):
        requests = await pile_up(http, server, 5, at_server=5)
        gate.set()
        await asyncio.gather(*requests)
        await wait_for(lambda: server.open == 2)


async def test_an_idle_connection_the_server_closed_is_redone_on_a_new_one():
    async def once(request, writer):
        await ok(request, writer)
        return False  # keep-alive promised, then the connection is closed

    async with RawServer(once) as server, client() as http:
        assert (await http.post(server.url, json={"n": 1})).text == "ok"
        await asyncio.sleep(0.05)
        assert (await http.post(server.url, json={"n": 2})).text == "ok"
    assert [json.loads(r["body"]) for r in server.requests] == [{"n": 1}, {"n": 2}]
    assert len(server.ports) == 2


async def test_an_idle_connection_past_its_expiry_is_not_used():
    async with RawServer(echo_port) as server, client(keepalive_expiry=0.05) as http:
        first = (await http.get(server.url)).text
        await asyncio.sleep(0.1)
        second = (await http.get(server.url)).text
    assert first != second and len(server.ports) == 2


async def test_closing_the_client_closes_its_connections():
    async with RawServer(ok) as server:
        http = client()
        await asyncio.gather(*(http.get(server.url) for _ in range(3)))
        assert server.open == 3
        await http.aclose()
        await wait_for(lambda: server.open == 0)


async def test_https_and_head_requests_go_to_httpx_own_transport():
    serves = PackTransport.serves
    assert serves(httpx.Request("GET", "http://127.0.0.1/"))
    assert not serves(httpx.Request("GET", "https://127.0.0.1/"))
    assert not serves(httpx.Request("HEAD", "http://127.0.0.1/"))
    assert not serves(httpx.Request("GET", "http://127.0.0.1/", headers={"Upgrade": "h2c"}))

    async def head(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        await writer.drain()

    async with RawServer(head) as server, client() as http:
        reply = await http.head(server.url)
    assert reply.status_code == 200 and reply.headers["content-length"] == "5"


# -- the backends' client -------------------------------------------------------------------


def backend_client() -> BackendClient:
    return BackendClient(transport=PackTransport(LIMITS), timeout=WAIT_S)


async def test_the_backends_client_keeps_no_cookie_a_backend_sets():
    async def sets_cookie(request, writer):
        writer.write(
            b"HTTP/1.1 200 OK\r\nset-cookie: session=alice; Path=/\r\ncontent-length: 2\r\n\r\nok"
        )
        await writer.drain()

    async with RawServer(sets_cookie) as server, backend_client() as http:
        await http.get(server.url)
        await http.get(server.url)
        assert not http.cookies
        with pytest.raises(ValueError):
            http.cookies.set("session", "bob")
    assert [r["headers"].get("cookie") for r in server.requests] == [None, None]


async def test_a_json_post_goes_straight_to_the_transport_with_its_head_built_once():
    async with RawServer(ok) as server, backend_client() as http:
        host = server.url.removeprefix("http://")
        target = JSONPost.to(server.url + "/api/chat?x=1")
        for body in (b"{}", b'{"model": "m"}'):
            response = await post_streaming(http, target, body, httpx.Timeout(WAIT_S))
            try:
                assert [piece async for piece in response.stream] == [b"ok"]
                assert "content-length" in response.headers  # what the transport read, as is
            finally:
                await response.aclose()
    first, second = server.requests
    assert first["line"] == "POST /api/chat?x=1 HTTP/1.1"
    assert first["headers"] == {
        "host": host,
        "content-type": "application/json",
        "content-length": "2",
    }  # no client defaults added
    assert first["body"] == b"{}"
    assert second["body"] == b'{"model": "m"}' and second["headers"]["content-length"] == "14"
    assert first["port"] == second["port"]  # kept alive


async def test_a_json_post_times_out_as_told():
    _, silent = gated(ok)  # never answers

    async with RawServer(silent) as server, backend_client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await asyncio.wait_for(
                post_streaming(http, JSONPost.to(server.url), b"{}", httpx.Timeout(0.2)), WAIT_S
            )


async def test_a_json_post_to_nothing_listening_is_a_connect_error():
    async with RawServer(ok) as server:
        url = server.url
    async with backend_client() as http:
        with pytest.raises(httpx.ConnectError):
            await post_streaming(http, JSONPost.to(url), b"{}", httpx.Timeout(WAIT_S))


async def test_credentials_in_the_url_go_through_the_client_and_are_sent():
    async with RawServer(ok) as server, backend_client() as http:
        url = server.url.replace("http://", "http://user:secret@")
        response = await post_streaming(http, JSONPost.to(url), b"{}", httpx.Timeout(WAIT_S))
        await response.aread()
        await response.aclose()
    expected = "Basic " + base64.b64encode(b"user:secret").decode()
    assert server.requests[0]["headers"]["authorization"] == expected
    assert server.requests[0]["body"] == b"{}"


# -- failures -------------------------------------------------------------------------------


async def test_nothing_listening_is_a_connect_error():
    async with RawServer(ok) as server:
        url = server.url
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url)


async def test_a_server_that_never_answers_is_a_read_timeout():
    async def silent(request, writer):
        await asyncio.sleep(60)

    async with RawServer(silent) as server, client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url, timeout=httpx.Timeout(WAIT_S, read=0.1))


async def test_a_stream_that_stalls_mid_way_is_a_read_timeout():
    async def stall(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await asyncio.sleep(60)

    async with (
        RawServer(stall) as server,
        client() as http,
        http.stream("GET", server.url, timeout=httpx.Timeout(WAIT_S, read=0.1)) as reply,
    ):
        pieces = []
        with pytest.raises(httpx.ReadTimeout):
            async for piece in reply.aiter_bytes():
                pieces.append(piece)
    assert pieces == [b"first"]


async def test_the_read_timeout_counts_from_the_last_piece_not_from_the_request():
    async def slow_but_steady(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for _ in range(6):  # 6 x 0.25 s: half again the read timeout in all
            await asyncio.sleep(0.25)
            writer.write(b"1\r\nx\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async with RawServer(slow_but_steady) as server, client() as http:
        for _ in range(2):  # and again on the kept connection
            async with http.stream(
                "GET", server.url, timeout=httpx.Timeout(WAIT_S, read=1.0)
            ) as reply:
                assert b"".join([piece async for piece in reply.aiter_bytes()]) == b"x" * 6
    assert len(set(server.ports)) == 1


class _Unsent(asyncio.Transport):
    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False


async def test_a_wait_shorter_than_the_timer_already_set_times_out_on_its_own_time():
    connection = Connection(asyncio.get_running_loop(), lambda _: None)
    connection.connection_made(_Unsent())
    connection.send(None, b"GET / HTTP/1.1\r\n\r\n", b"")
    patient = asyncio.ensure_future(connection.response_head(30.0))
    await asyncio.sleep(0.01)
    patient.cancel()  # its timer, 30 s away, stays set for the next wait
    with pytest.raises(httpx.ReadTimeout):
        await asyncio.wait_for(connection.response_head(0.05), WAIT_S)


async def test_a_fresh_connection_closed_without_an_answer_is_a_protocol_error():
    async def hang_up(request, writer):
        return False

    async with RawServer(hang_up) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await http.get(server.url)
    assert len(server.requests) == 1, "a request on a new connection is not redone"


async def test_a_reply_cut_mid_body_is_a_protocol_error():
    cut = raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part", then_close=True)
    async with RawServer(cut) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            await http.get(server.url)


async def test_garbage_instead_of_http_is_a_protocol_error():
    async with RawServer(raw(b"SSH-2.0-OpenSSH\r\n\r\n")) as server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError, match="malformed"):
            await http.get(server.url)


async def test_a_reply_closed_before_its_end_gives_up_its_connection():
    async def endless(request, writer):
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            while True:
                writer.write(b"4\r\ndata\r\n")
                await writer.drain()
                await asyncio.sleep(0.005)

    async with RawServer(endless) as server, client() as http:
        async with http.stream("GET", server.url) as reply:
            async for _ in reply.aiter_bytes():
                break
        await wait_for(lambda: server.open == 0)


async def test_a_cancelled_request_closes_its_connection_and_frees_its_slot():
    gate, held = gated(echo_port)
    async with RawServer(held) as server, client(max_connections=1) as http:
        pending = asyncio.ensure_future(http.get(server.url))
        await wait_for(lambda: len(server.requests) == 1)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending
        gate.set()
        reply = await http.get(server.url, timeout=httpx.Timeout(WAIT_S, pool=1.0))
    assert reply.text == str(server.ports[1]), "a new connection, in the slot freed"


# -- a request the backend may have acted on is never sent twice ---------------------------------


def answers_once_then_drops():
    """The first request on a connection is answered (keep-alive); the next one is read whole
    and the connection closed with no answer: the backend may have acted on it."""
    seen_on: dict[int, int] = {}

    async def answer(request, writer):
        seen_on[request["port"]] = seen_on.get(request["port"], 0) + 1
        if seen_on[request["port"]] > 1:
            return False
        await ok(request, writer)
        return True

    return answer


async def test_a_post_written_to_a_connection_the_backend_then_closed_is_not_redone():
    async with RawServer(answers_once_then_drops()) as server, client() as http:
        assert (await http.post(server.url, json={"n": 1})).text == "ok"
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post(server.url, json={"n": 2})
    assert [json.loads(r["body"]) for r in server.requests] == [{"n": 1}, {"n": 2}]


async def test_a_json_chat_post_written_then_dropped_is_not_redone():
    async with RawServer(answers_once_then_drops()) as server, backend_client() as http:
        target = JSONPost.to(server.url + "/api/chat")
        timeouts = httpx.Timeout(WAIT_S)
        first = await post_streaming(http, target, b'{"n": 1}', timeouts)
        await first.aread()
        await first.aclose()
        with pytest.raises(httpx.RemoteProtocolError):
            await post_streaming(http, target, b'{"n": 2}', timeouts)
    assert len(server.requests) == 2


async def test_a_get_written_to_a_connection_the_backend_then_closed_is_redone_once():
    async with RawServer(answers_once_then_drops()) as server, client() as http:
        assert (await http.get(server.url)).text == "ok"
        assert (await http.get(server.url)).text == "ok"
    assert len(server.requests) == 3 and len(server.ports) == 2


# -- ALPHAOMEGA_TRANSPORT: the client suite on the pack's transport and on httpx's own ---------


@pytest.fixture(params=["pack", "httpx"])
def switched(request, monkeypatch):
    monkeypatch.setenv(TRANSPORT_SWITCH, request.param)
    http = transport_module.backend_client(LIMITS, WAIT_S)
    expected = PackTransport if request.param == "pack" else httpx.AsyncHTTPTransport
    assert isinstance(http._transport, expected)
    return http


async def test_switched_a_request_and_its_answer(switched):
    async def answer(request, writer):
        await ok(request, writer, request["body"][::-1])

    async with RawServer(answer) as server, switched as http:
        reply = await http.post(server.url + "/x?y=1", content=b"abc")
        assert (reply.status_code, reply.text) == (200, "cba")
        assert server.requests[0]["line"] == "POST /x?y=1 HTTP/1.1"


async def test_switched_a_streamed_json_post_comes_back_line_by_line(switched):
    lines = [b'{"n": %d}\n' % i for i in range(5)]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(line), line) for line in lines) + b"0\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    async with RawServer(raw(head + chunked)) as server, switched as http:
        target = JSONPost.to(server.url + "/api/chat")
        reply = await post_streaming(http, target, b'{"model": "m"}', httpx.Timeout(WAIT_S))
        got = [line async for line in reply.aiter_lines()]
        await reply.aclose()
    assert [json.loads(line) for line in got] == [{"n": i} for i in range(5)]
    assert json.loads(server.requests[0]["body"]) == {"model": "m"}
    assert server.requests[0]["headers"]["content-type"] == "application/json"


async def test_switched_errors_are_statuses_and_httpx_exceptions(switched):
    async with (
        RawServer(raw(b"HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n")) as server,
        switched as http,
    ):
        assert (await http.get(server.url)).status_code == 503
        with pytest.raises(httpx.ConnectError):
            await http.get("http://127.0.0.1:9/")


async def test_switched_the_client_keeps_no_cookie(switched):
    answer = raw(b"HTTP/1.1 200 OK\r\nset-cookie: s=1\r\ncontent-length: 0\r\n\r\n")
    async with RawServer(answer) as server, switched as http:
        await http.get(server.url)
        await http.get(server.url)
    assert "cookie" not in server.requests[1]["headers"]


def test_an_unknown_transport_is_refused():
    with pytest.raises(ValueError, match=TRANSPORT_SWITCH):
        transport_module.transport_choice({TRANSPORT_SWITCH: "h2"})
    assert transport_module.transport_choice({}) == "pack"
    assert transport_module.transport_choice({TRANSPORT_SWITCH: "HTTPX"}) == "httpx"
