"""The shared HTTP client's transport: plain-http backends over a lean HTTP/1.1 pool.

Why: through httpcore and h11 (HTTP parsed in Python) a streamed 24-token Ollama chat cost
2.1 ms of CPU per request, most of what the server spent relaying it; when 32 chats start at
once that is what the last of them waits for. Parsed by httptools (llhttp, in C) on an asyncio
protocol the same request costs about 0.3 ms. The pack's backends (Ollama, ComfyUI, Qdrant)
speak plain HTTP/1.1 on the local network, so that is all this pool does: https, HEAD,
upgrades and anything else go to httpx's own transport, unchanged.

Connections are kept alive per backend and reused most-recent first; one seen closed while
idle is never used. One that the backend closed after the request was written and that then
answers nothing is redone once on a new connection only for an idempotent method (GET, PUT,
DELETE, OPTIONS, TRACE; RFC 9110 9.2.2): a POST (a chat, an image job) may have reached the
backend before it closed, so it fails as httpx's own transport fails it.
Errors are httpx's transport exceptions, so ``errors.translate_httpx_error``
sees the same ones whichever path served a request.

``BackendClient`` is the httpx client over it (``runtime.http()``), and ``post_streaming`` the
way a streamed backend call (a chat) is sent through it. ``ALPHAOMEGA_TRANSPORT=httpx`` puts
httpx's default transport under that client instead, everywhere: the way out should this one
misbehave with a backend.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from ._http1 import Connection, StaleConnection

Origin = tuple[str, int]
JSON_HEADERS = {"Content-Type": "application/json"}
TRANSPORT_SWITCH = "ALPHAOMEGA_TRANSPORT"
TRANSPORTS = ("pack", "httpx")
# Methods a repeated request leaves as one would have (RFC 9110 9.2.2): safe to redo.
IDEMPOTENT = frozenset({b"GET", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"})


class PackTransport(httpx.AsyncBaseTransport):
    def __init__(self, limits: httpx.Limits) -> None:
        self._fallback = httpx.AsyncHTTPTransport(limits=limits)
        self._max_connections = limits.max_connections
        self._max_idle = limits.max_keepalive_connections
        self._expiry = limits.keepalive_expiry
        self._idle: dict[Origin, deque[Connection]] = {}
        self._open: dict[Connection, Origin] = {}
        self._slots_used = 0
        self._room_waiters: list[asyncio.Future] = []
        self._closed = False

    @staticmethod
    def serves(request: httpx.Request) -> bool:
        return (
            request.url.scheme == "http"
            and request.method not in ("HEAD", "CONNECT")
            and "upgrade" not in request.headers
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.serves(request):
            return await self._fallback.handle_async_request(request)
        body = await request.aread()
        origin = (request.url.host, request.url.port or 80)
        return await self._exchange(
            origin,
            _head_of(request, len(body)),
            body,
            request.extensions.get("timeout", {}),
            request,
        )

    async def post(self, target: JSONPost, body: bytes, timeouts: dict) -> httpx.Response:
        """POST ``body`` to ``target`` with no ``httpx.Request`` built (see ``post_streaming``)."""
        head = b"%sContent-Length: %d\r\n\r\n" % (target.head, len(body))
        return await self._exchange(target.origin, head, body, timeouts, None)

    async def _exchange(
        self,
        origin: Origin,
        head: bytes,
        body: bytes,
        timeouts: dict,
        request: httpx.Request | None,
    ) -> httpx.Response:
        redo = head.split(b" ", 1)[0] in IDEMPOTENT
        for _ in range(2):
            connection = await self._connection(origin, timeouts, request)
            try:
                connection.send(request, head, body)
                await connection.response_head(timeouts.get("read"))
            except StaleConnection:
                connection.close()
                if redo:
                    continue
                break
            except BaseException:
                connection.close()
                raise
            return httpx.Response(
                connection.status,
                headers=connection.headers,
                stream=_ResponseBody(self, connection, origin, timeouts.get("read")),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": connection.reason},
            )
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )

    async def aclose(self) -> None:
        self._closed = True
        for connection in list(self._open):
            connection.close()
        self._idle.clear()
        await self._fallback.aclose()

    # -- connections -----------------------------------------------------------------------

    async def _connection(
        self, origin: Origin, timeouts: dict, request: httpx.Request | None
    ) -> Connection:
        loop = asyncio.get_running_loop()
        deadline = None
        while True:
            connection = self._idle_connection(origin, loop.time())
            if connection is not None:
                return connection
            if self._max_connections is None or self._slots_used < self._max_connections:
                break
            # At the limit: idle connections to other backends make room once closed, and a
            # connection to this one may come back; wait for either.
            for idle in self._idle.values():
                for other in idle:
                    other.close()
            if deadline is None:
                pool_timeout = timeouts.get("pool")
                deadline = None if pool_timeout is None else loop.time() + pool_timeout
            await self._wait_for_room(deadline, request)
        self._slots_used += 1
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                _, connection = await loop.create_connection(
                    lambda: Connection(loop, self._forget), *origin
                )
        except TimeoutError:
            self._give_slot()
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except OSError as exc:
            self._give_slot()
            raise httpx.ConnectError(str(exc) or exc.__class__.__name__, request=request) from exc
        except BaseException:
            self._give_slot()
            raise
        self._open[connection] = origin
        return connection

    def _idle_connection(self, origin: Origin, now: float) -> Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.lost and (
                self._expiry is None or now - connection.idle_since < self._expiry
            ):
                return connection
            connection.close()
        return None

    async def _wait_for_room(self, deadline: float | None, request: httpx.Request | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._room_waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except TimeoutError:
            raise httpx.PoolTimeout("no connection free in time", request=request) from None
        finally:
            if not waiter.done():
                self._room_waiters.remove(waiter)

    def _make_room(self) -> None:
        """A connection came back or went away: every request waiting for one looks again."""
        waiters, self._room_waiters = self._room_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _release(self, connection: Connection, origin: Origin) -> None:
        """A response is done with: keep its connection for the next request, or close it."""
        if connection.reusable() and not self._closed:
            connection.finish(asyncio.get_running_loop().time())
            idle = self._idle.setdefault(origin, deque())
            if self._max_idle is None or len(idle) < self._max_idle:
                idle.append(connection)
                if self._room_waiters:
                    self._make_room()
                return
        connection.close()

    def _forget(self, connection: Connection) -> None:
        origin = self._open.pop(connection, None)
        if origin is None:
            return
        idle = self._idle.get(origin)
        if idle and connection in idle:
            idle.remove(connection)
        self._give_slot()

    def _give_slot(self) -> None:
        self._slots_used -= 1
        if self._room_waiters:
            self._make_room()


class BackendClient(httpx.AsyncClient):
    """The process's client for the pack's backends, over a ``PackTransport`` (or, switched,
    httpx's own transport).

    It keeps no cookies: one client serves everyone using the pack, so a cookie that a backend
    (or a proxy in front of it) sets must not ride along on someone else's request. Keeping
    none also spares every response httpx's cookie parsing (about 50 µs on this machine).
    """

    def __init__(self, *, transport: httpx.AsyncBaseTransport, **options: Any) -> None:
        self._cookieless = _Cookieless()
        super().__init__(transport=transport, **options)
        self._pack_transport = transport if isinstance(transport, PackTransport) else None

    @property  # type: ignore[override]
    def cookies(self) -> httpx.Cookies:
        return self._cookieless

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        if cookies:
            raise ValueError("the backends' client keeps no cookies")

    def needs_nothing_from_client(self, url: httpx.URL) -> bool:
        """Whether a request to ``url`` involves none of the client's own steps: no auth (the
        client's or the URL's), no event hooks; redirects are not followed by default."""
        return (
            not url.userinfo
            and self.auth is None
            and not self.event_hooks["request"]
            and not self.event_hooks["response"]
        )


def transport_choice(environ: dict[str, str] | None = None) -> str:
    """``pack`` (this module's transport) unless ``ALPHAOMEGA_TRANSPORT`` says ``httpx``."""
    env = os.environ if environ is None else environ
    choice = env.get(TRANSPORT_SWITCH, "pack").strip().lower() or "pack"
    if choice not in TRANSPORTS:
        raise ValueError(f"{TRANSPORT_SWITCH} is {choice!r}; expected one of {TRANSPORTS}")
    return choice


def backend_client(limits: httpx.Limits, timeout: httpx.Timeout | float) -> BackendClient:
    """The backends' client over the transport ``ALPHAOMEGA_TRANSPORT`` chooses."""
    if transport_choice() == "httpx":
        transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(limits=limits)
    else:
        transport = PackTransport(limits)
    return BackendClient(transport=transport, timeout=timeout)


@dataclass(frozen=True)
class JSONPost:
    """A backend URL the pack streams JSON requests to (a chat), its request head built once:
    per request only the body and its length change."""

    url: httpx.URL
    origin: Origin
    head: bytes  # the request line and headers, up to the Content-Length

    @classmethod
    def to(cls, url: str) -> JSONPost:
        parsed = httpx.URL(url)
        lines = [b"POST %s HTTP/1.1\r\nHost: %s\r\n" % (parsed.raw_path, parsed.netloc)]
        lines += [b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in JSON_HEADERS.items()]
        return cls(parsed, (parsed.host, parsed.port or 80), b"".join(lines))


async def post_streaming(
    client: httpx.AsyncClient, target: JSONPost, body: bytes, timeouts: httpx.Timeout
) -> httpx.Response:
    """POST the JSON ``body`` to ``target`` and return the response unread; the caller closes it.

    When the ``BackendClient`` has nothing to add (no auth, no hooks) and the backend speaks
    plain http, the request goes straight to its transport, with no ``httpx.Request`` built
    and none of httpx's auth, redirect, cookie and hook steps: together about 170 µs of the loop
    per streamed chat on this machine, and with 32 chats starting at once the last first token
    waits for 32 of those. Otherwise the client sends it, applying what it has to.
    """
    if (
        isinstance(client, BackendClient)
        and client._pack_transport is not None
        and target.url.scheme == "http"
        and client.needs_nothing_from_client(target.url)
    ):
        return await client._pack_transport.post(target, body, timeouts.as_dict())
    request = httpx.Request(
        "POST",
        target.url,
        content=body,
        headers=JSON_HEADERS,
        extensions={"timeout": timeouts.as_dict()},
    )
    return await client.send(request, stream=True)


def body_complete(response: httpx.Response) -> bool:
    """Whether all of a streamed response's body has arrived and been read, as far as the pack's
    transport knows (False for a response it did not serve)."""
    stream = response.stream
    return isinstance(stream, _ResponseBody) and stream.complete


class _Cookieless(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        raise ValueError("the backends' client keeps no cookies")


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(
        self,
        transport: PackTransport,
        connection: Connection,
        origin: Origin,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._connection = connection
        self._origin = origin
        self._read_timeout = read_timeout
        self._released = False

    # An iterator, not an async generator: a reader that stops early (a reply read up to its
    # last line) leaves no generator behind for the loop to close in a task of its own.
    def __aiter__(self) -> _ResponseBody:  # type: ignore[override]
        return self

    async def __anext__(self) -> bytes:
        connection = self._connection
        if await connection.more_body(self._read_timeout):
            return connection.take_body()
        self._release()
        raise StopAsyncIteration

    @property
    def complete(self) -> bool:
        connection = self._connection
        return connection.message_done and not connection.chunks

    async def aclose(self) -> None:
        self._release()

    def _release(self) -> None:
        if not self._released:
            self._released = True
            self._transport._release(self._connection, self._origin)


def _head_of(request: httpx.Request, length: int) -> bytes:
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
    for name, value in request.headers.raw:
        if name.lower() not in (b"content-length", b"transfer-encoding"):
            lines.append(b"%s: %s\r\n" % (name, value))
    if length or request.method not in ("GET", "DELETE", "OPTIONS"):
        lines.append(b"Content-Length: %d\r\n" % length)
    lines.append(b"\r\n")
    return b"".join(lines)
