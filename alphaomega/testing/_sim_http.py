"""ASGI plumbing of the simulator: one request's I/O, errors, and a simulated process crash."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from alphaomega.testing._sim_models import Fault
from alphaomega.testing._sim_wire import dumps, openai_error

JSON = b"application/json; charset=utf-8"
NDJSON = b"application/x-ndjson"
EVENT_STREAM = b"text/event-stream"
TEXT = b"text/plain; charset=utf-8"


class HttpError(Exception):
    """An error Ollama answers with a status and {"error": "..."}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Call:
    """One HTTP exchange over raw ASGI, with the few ways Ollama answers."""

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Any],
        send: Callable[[dict[str, Any]], Any],
        connections: Callable[[], Iterable[Any]],
    ) -> None:
        self.scope = scope
        self.receive = receive
        self._send = send
        self._connections = connections
        self.path: str = scope["path"]
        self.method: str = scope["method"]
        self.body: dict[str, Any] = {}
        self.fault: Fault | None = None
        self.started = False

    @property
    def openai(self) -> bool:
        return self.path.startswith("/v1/")

    async def read_json(self) -> None:
        """Read the body as Ollama's Go handlers bind it; HttpError(400) when they would refuse."""
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise HttpError(499, "request canceled")
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks).strip()
        if not raw:
            raise HttpError(400, "missing request body")
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            at = getattr(exc, "pos", 0)
            bad = raw[at : at + 1].decode(errors="replace")
            message = f"invalid character '{bad}' looking for beginning of value"
            raise HttpError(400, message) from None
        if not isinstance(body, dict):
            kind = "array" if isinstance(body, list) else type(body).__name__
            raise HttpError(400, f"json: cannot unmarshal {kind} into Go value of type api.Request")
        self.body = body

    async def respond(self, status: int, payload: bytes, content_type: bytes = JSON) -> None:
        await self._send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", b"%d" % len(payload)),
                ],
            }
        )
        if self.method == "HEAD":
            payload = b""
        await self._send({"type": "http.response.body", "body": payload})
        self.started = True

    async def respond_json(self, obj: Any, status: int = 200) -> None:
        await self.respond(status, dumps(obj))

    async def fail(self, error: HttpError) -> None:
        if self.openai:
            await self.respond(error.status, dumps(openai_error(error.status, error.message)))
        else:
            await self.respond(error.status, dumps({"error": error.message}))

    async def start(self, content_type: bytes) -> None:
        await self._send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", content_type)],
            }
        )
        self.started = True

    async def write(self, data: bytes) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def end(self, data: bytes = b"") -> None:
        await self._send({"type": "http.response.body", "body": data})

    async def crash(self) -> None:
        """Drop the connection as a dying server process would, then wait to be cancelled."""
        client = self.scope.get("client")
        for connection in list(self._connections()):
            if getattr(connection, "client", None) == client and connection.transport:
                connection.transport.abort()
        await asyncio.Future()  # the disconnect watcher cancels this request

    async def hang(self) -> None:
        await asyncio.Future()


async def wait_disconnect(receive: Callable[[], Any]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def run_watched(handler: Any, call: Call) -> bool:
    """Run a handler, cancelling it if the client goes away. True when it ran to its end."""
    task = asyncio.ensure_future(handler(call))
    watcher = asyncio.ensure_future(wait_disconnect(call.receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done():
            task.cancel()
        watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
        return True
    return False
