"""A load client that costs little, so that what a benchmark times is the server, not itself.

httpx spends about 2 ms of CPU on each streamed chat it reads (HTTP parsed in Python, five
layers of async generators); 32 chats at once then wait mostly for the client's own process,
on either path, and the difference between the paths drowns in it. This client speaks
HTTP/1.1 over asyncio with httptools, keeps its connections alive, and parses only the lines
it needs: up to the first one that carries a token. Both paths of a benchmark use it alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httptools
import orjson

TokenTest = Callable[[bytes], bool]


def ndjson_token(line: bytes) -> bool:
    """An Ollama ``/api/chat`` line with text in it."""
    message = orjson.loads(line).get("message") or {}
    return bool(message.get("content"))


def sse_token(line: bytes) -> bool:
    """An OpenAI chat-completion SSE line with text in it."""
    if not line.startswith(b"data:") or line.strip() == b"data: [DONE]":
        return False
    choices = orjson.loads(line[5:]).get("choices") or []
    return bool(choices and (choices[0].get("delta") or {}).get("content"))


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self._done: asyncio.Future | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._done is not None and not self._done.done():
            self._done.set_exception(ConnectionError("the server closed the connection"))

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    async def stream(
        self, head: bytes, body: bytes, is_token: TokenTest, started: float
    ) -> tuple[float, float]:
        """(time to the first token, total time) of one request, in seconds."""
        self._parser = httptools.HttpResponseParser(self)
        self._is_token = is_token
        self._pending = b""
        self._status = 0
        self._first: float | None = None
        self._done = asyncio.get_running_loop().create_future()
        self._started = started
        assert self.transport is not None
        self.transport.write(head + body)
        total = await self._done
        if self._status != 200:
            raise RuntimeError(f"HTTP {self._status}")
        if self._first is None:
            raise RuntimeError("the reply carried no token")
        return self._first - self._started, total - self._started

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        if self._first is not None:
            return
        lines = (self._pending + body).split(b"\n")
        self._pending = lines.pop()
        for line in lines:
            if line.strip() and self._is_token(line):
                self._first = time.perf_counter()
                return

    def on_message_complete(self) -> None:
        if not self._done.done():
            self._done.set_result(time.perf_counter())


class LeanClient:
    """Streamed POSTs of JSON to one server, over connections it keeps."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self._headers = (
            f"Host: {self._host}:{self._port}\r\nContent-Type: application/json\r\n{extra}"
        ).encode()
        self._idle: list[_Connection] = []

    async def stream(self, path: str, payload: dict, is_token: TokenTest) -> tuple[float, float]:
        started = time.perf_counter()
        body = orjson.dumps(payload)
        head = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n" % (
            path.encode(),
            self._headers,
            len(body),
        )
        while self._idle:
            connection = self._idle.pop()
            if not connection.lost:
                break
        else:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, self._host, self._port
            )
        result = await connection.stream(head, body, is_token, started)
        self._idle.append(connection)
        return result

    def close(self) -> None:
        for connection in self._idle:
            if connection.transport is not None:
                connection.transport.close()
        self._idle.clear()
