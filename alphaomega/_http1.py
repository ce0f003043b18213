"""One HTTP/1.1 connection to a plain-http backend: an asyncio protocol parsing with httptools.

No I/O is started here: the connection is driven by the event loop (``data_received``) and by
``alphaomega.transport``, which sends requests on it and reads its response. Failures are
raised as httpx's own transport exceptions, so the rest of the pack sees the same errors
whichever transport served a request.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable

import httptools
import httpx

log = logging.getLogger(__name__)

# A reader that falls this far behind makes the connection stop reading from the socket.
HIGH_WATER = 256 * 1024


class StaleConnection(Exception):
    """A kept-alive connection closed by the server before it answered a byte, after the
    request was written: safe to redo only for an idempotent method (the backend may have
    acted on it), which ``alphaomega.transport`` checks."""


class Connection(asyncio.Protocol):
    def __init__(
        self, loop: asyncio.AbstractEventLoop, on_lost: Callable[[Connection], None]
    ) -> None:
        self._loop = loop
        self._on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.idle_since = 0.0
        self.requests = 0  # answered on this connection; 0 while the first is under way
        self._request: httpx.Request | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._waiter: asyncio.Future | None = None
        self._deadline: float | None = None  # of the wait under way, when it has one
        self._timer: asyncio.TimerHandle | None = None
        self._error: Exception | None = None
        self._received = False
        self._paused = False
        self._until_eof = False
        self._keep_alive = False
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.status = 0
        self.headers_done = False
        self.message_done = False
        self.chunks: deque[bytes] = deque()
        self._buffered = 0

    # -- what the transport asks -----------------------------------------------------------

    def send(self, request: httpx.Request | None, head: bytes, body: bytes) -> None:
        self._request = request
        self._parser = httptools.HttpResponseParser(self)
        self._error = None
        self._received = False
        self._until_eof = self._keep_alive = False
        self.reason = b""
        self.headers = []
        self.status = 0
        self.headers_done = self.message_done = False
        self.chunks.clear()
        self._buffered = 0
        assert self.transport is not None
        if len(body) < 65536:  # one write, one segment, for the usual small JSON request
            self.transport.write(head + body)
        else:
            self.transport.write(head)
            self.transport.write(body)

    async def response_head(self, read_timeout: float | None) -> None:
        while not self.headers_done:
            if self._error is not None:
                raise self._error
            await self._wait(read_timeout)

    def take_body(self) -> bytes:
        data = b"".join(self.chunks) if len(self.chunks) > 1 else self.chunks[0]
        self.chunks.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    async def more_body(self, read_timeout: float | None) -> bool:
        """Wait for body bytes; False once the response is complete and all of it was taken."""
        while not self.chunks:
            if self.message_done:
                return False
            if self._error is not None:
                raise self._error
            await self._wait(read_timeout)
        return True

    def reusable(self) -> bool:
        return self.message_done and not self.lost and not self.chunks and self._keep_alive

    def finish(self, now: float) -> None:
        self._stop_timer()
        self._parser = None
        self._request = None
        self.requests += 1
        self.idle_since = now

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:  # bytes on an idle connection: it cannot be trusted any more
            self.close()
            return
        self._received = True
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(
                httpx.RemoteProtocolError("unexpected protocol upgrade", request=self._request)
            )
            self.close()
        except httptools.HttpParserError as exc:
            self._fail(
                httpx.RemoteProtocolError(f"malformed HTTP response: {exc}", request=self._request)
            )
            self.close()
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._parser is not None and not self.message_done:
            if self.headers_done and self._until_eof and exc is None:
                self.message_done = True  # the body ran until the server closed
            elif not self._received and self.requests:
                self._fail(StaleConnection())
            elif not self.headers_done:
                self._fail(
                    httpx.RemoteProtocolError(
                        "Server disconnected without sending a response.", request=self._request
                    )
                )
            else:
                self._fail(
                    httpx.RemoteProtocolError(
                        "peer closed connection without sending complete message body",
                        request=self._request,
                    )
                )
        self._wake()
        self._stop_timer()
        self._on_lost(self)

    # -- httptools callbacks ---------------------------------------------------------------

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # "100 Continue" and the like: the real answer follows
            self.headers = []
            self.reason = b""
            return
        self.status = status
        # llhttp forgets this once the message is complete
        self._keep_alive = self._parser.should_keep_alive()
        self.headers_done = True
        names = {name.lower() for name, _ in self.headers}
        self._until_eof = (
            b"content-length" not in names
            and b"transfer-encoding" not in names
            and self.status >= 200
            and self.status not in (204, 304)
        )
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self._buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        if self.headers_done:  # not the end of an informational response
            self.message_done = True
            self._wake()

    # -- waiting ---------------------------------------------------------------------------

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self, read_timeout: float | None) -> None:
        """Wait for the protocol to wake us; a wait longer than ``read_timeout`` is a
        ``ReadTimeout``. One timer serves every wait of a connection: it is moved (lazily, when
        it fires early) rather than made and cancelled per wait, as a streamed reply waits once
        per token."""
        waiter = self._waiter = self._loop.create_future()
        if read_timeout is None:
            self._deadline = None
        else:
            self._deadline = self._loop.time() + read_timeout
            if self._timer is not None and self._timer.when() > self._deadline:
                self._stop_timer()  # set for a longer timeout than this wait's
            if self._timer is None:
                self._timer = self._loop.call_at(self._deadline, self._check_deadline)
        try:
            await waiter
        finally:
            self._waiter = None

    def _check_deadline(self) -> None:
        self._timer = None
        waiter, deadline = self._waiter, self._deadline
        if waiter is None or waiter.done() or deadline is None:
            return  # no wait under way: the next one sets the timer again
        if self._loop.time() < deadline:
            self._timer = self._loop.call_at(deadline, self._check_deadline)
            return
        waiter.set_exception(httpx.ReadTimeout("timed out", request=self._request))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
