"""The ComfyUI client: its HTTP routes and its websocket, every failure translated here into
the pack's errors (``alphaomega.errors``), once.

HTTP goes through the pack's shared client (``runtime.http()``). The websocket uses the
``websockets`` library's asyncio client: it runs on the pack's event loop like everything else,
where ``websocket-client`` (the design card's choice) would block the loop on every read.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection, connect

from .. import runtime
from ..errors import (
    BackendError,
    BackendProtocolError,
    BackendStatusError,
    BackendUnavailable,
    StreamInterrupted,
    translate_httpx_error,
)

log = logging.getLogger(__name__)


class ComfyUnavailable(BackendUnavailable):
    def user_message(self) -> str:
        return f"Image generation unavailable: ComfyUI at {self.url} does not answer."


class WorkflowRejected(BackendStatusError):
    """``POST /prompt`` answered 400: the workflow does not validate there."""

    def __init__(self, message: str, *, url: str, problems: list[str]) -> None:
        super().__init__(message, url=url, status=400)
        self.problems = problems

    def user_message(self) -> str:
        lines = "\n".join(f"- {p}" for p in self.problems) or f"- {self.args[0]}"
        return f"ComfyUI at {self.url} refused the workflow:\n{lines}"


class RenderFailed(BackendError):
    """``execution_error``: a node raised while the prompt ran."""

    def __init__(self, node_id: str, node_type: str, message: str, *, url: str) -> None:
        super().__init__(message, url=url)
        self.node_id, self.node_type = node_id, node_type

    def user_message(self) -> str:
        return (
            f"ComfyUI at {self.url} failed in node {self.node_id} ({self.node_type}): "
            f"{self.args[0]}"
        )


class RenderInterrupted(BackendError):
    def user_message(self) -> str:
        return f"The render on ComfyUI at {self.url} was interrupted."


@dataclass(frozen=True)
class ImageRef:
    filename: str
    subfolder: str = ""
    type: str = "output"


@dataclass
class HistoryEntry:
    """One finished (or failed) prompt as ``/history/{id}`` reports it."""

    completed: bool
    status: str
    outputs: dict[str, Any] = field(default_factory=dict)
    messages: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class QueueState:
    running: list[str]
    pending: list[str]

    def ahead_of(self, prompt_id: str) -> int:
        """How many prompts run or wait before ``prompt_id`` (all of them if it is not there)."""
        if prompt_id in self.running:
            return 0
        if prompt_id in self.pending:
            return len(self.running) + self.pending.index(prompt_id)
        return len(self.running) + len(self.pending)

    @property
    def length(self) -> int:
        return len(self.running) + len(self.pending)


def node_problems(body: Any) -> list[str]:
    """The node errors of a 400 from ``/prompt`` as sentences naming node and input."""
    problems: list[str] = []
    if not isinstance(body, dict):
        return problems
    for node_id, entry in (body.get("node_errors") or {}).items():
        if not isinstance(entry, dict):
            continue
        kind = entry.get("class_type") or "?"
        for error in entry.get("errors") or []:
            info = error.get("extra_info") or {}
            name = info.get("input_name")
            where = f"node {node_id} ({kind})" + (f", input `{name}`" if name else "")
            problems.append(f"{where}: {error.get('message', '')}: {error.get('details', '')}")
    if not problems:
        error = body.get("error") or {}
        if isinstance(error, dict) and error.get("message"):
            problems.append(f"{error['message']}: {error.get('details', '')}".rstrip(": "))
    return problems


def _queue_ids(entries: Any) -> list[str]:
    # Each queue entry is [number, prompt_id, prompt, extra_data, outputs_to_execute, ...].
    return [str(e[1]) for e in entries or [] if isinstance(e, list) and len(e) > 1]


class ComfyClient:
    """One ComfyUI instance. ``connect_timeout_s`` bounds how long a dead one takes to say so."""

    def __init__(self, url: str, *, connect_timeout_s: float = 1.5) -> None:
        self.url = url.rstrip("/")
        self.connect_timeout_s = connect_timeout_s

    def _timeout(self, read_s: float) -> httpx.Timeout:
        return httpx.Timeout(read_s, connect=self.connect_timeout_s)

    async def _call(
        self, method: str, path: str, *, read_s: float = 30.0, allow: int = 0, **kw: Any
    ) -> Any:
        try:
            response = await runtime.http().request(
                method, self.url + path, timeout=self._timeout(read_s), **kw
            )
        except httpx.HTTPError as exc:
            error = translate_httpx_error(exc, self.url)
            if isinstance(error, BackendUnavailable):
                raise ComfyUnavailable(error.args[0], url=self.url) from exc
            raise error from exc
        if response.status_code >= 400 and response.status_code != allow:
            raise BackendStatusError(
                response.text[:300] or response.reason_phrase,
                url=self.url,
                status=response.status_code,
            )
        return response

    async def _json(self, method: str, path: str, **kw: Any) -> Any:
        response = await self._call(method, path, **kw)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise BackendProtocolError(f"{path} did not answer JSON", url=self.url) from exc

    async def submit(self, graph: dict[str, Any], *, client_id: str, prompt_id: str) -> int:
        """Queue ``graph``; returns its number. A 400 becomes :class:`WorkflowRejected`."""
        body = {"prompt": graph, "client_id": client_id, "prompt_id": prompt_id}
        response = await self._call("POST", "/prompt", json=body, allow=400)
        try:
            answer = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise BackendProtocolError("/prompt did not answer JSON", url=self.url) from exc
        if response.status_code == 400:
            raise WorkflowRejected("invalid prompt", url=self.url, problems=node_problems(answer))
        return int(answer.get("number", 0)) if isinstance(answer, dict) else 0

    async def queue(self) -> QueueState:
        data = await self._json("GET", "/queue", read_s=5.0)
        return QueueState(
            _queue_ids(data.get("queue_running")), _queue_ids(data.get("queue_pending"))
        )

    async def history(self, prompt_id: str) -> HistoryEntry | None:
        data = await self._json("GET", f"/history/{prompt_id}", read_s=10.0)
        entry = data.get(prompt_id) if isinstance(data, dict) else None
        if not isinstance(entry, dict):
            return None
        status = entry.get("status") or {}
        return HistoryEntry(
            completed=bool(status.get("completed")),
            status=str(status.get("status_str") or ""),
            outputs=entry.get("outputs") or {},
            messages=status.get("messages") or [],
        )

    async def view(self, image: ImageRef) -> bytes:
        params = {"filename": image.filename, "subfolder": image.subfolder, "type": image.type}
        return (await self._call("GET", "/view", params=params, read_s=60.0)).content

    async def upload_image(self, data: bytes, filename: str) -> str:
        files = {"image": (filename, data, "image/png")}
        form = {"type": "input", "overwrite": "true"}
        answer = await self._json("POST", "/upload/image", files=files, data=form)
        name, sub = str(answer.get("name", filename)), str(answer.get("subfolder") or "")
        return f"{sub}/{name}" if sub else name

    async def interrupt(self, prompt_id: str) -> None:
        await self._call("POST", "/interrupt", json={"prompt_id": prompt_id}, read_s=5.0)

    async def delete(self, prompt_ids: list[str]) -> None:
        await self._call("POST", "/queue", json={"delete": prompt_ids}, read_s=5.0)

    async def system_stats(self) -> dict[str, Any]:
        return await self._json("GET", "/system_stats", read_s=5.0)

    async def object_info(self) -> dict[str, Any]:
        return await self._json("GET", "/object_info", read_s=30.0)

    @contextlib.asynccontextmanager
    async def socket(self, client_id: str) -> AsyncIterator[ClientConnection]:
        """The ``/ws`` socket for ``client_id``; a refused connect is :class:`ComfyUnavailable`."""
        ws_url = "ws" + self.url[4:] + f"/ws?clientId={client_id}"
        try:
            ws = await connect(
                ws_url,
                open_timeout=self.connect_timeout_s,
                max_size=None,  # preview frames can be large
                ping_interval=20,
                ping_timeout=60,
                close_timeout=1,
            )
        except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
            raise ComfyUnavailable(f"websocket: {exc.__class__.__name__}", url=self.url) from exc
        try:
            yield ws
        finally:
            with contextlib.suppress(Exception):
                await ws.close()


async def frames(ws: ClientConnection, url: str) -> AsyncIterator[dict[str, Any]]:
    """The JSON frames of a socket (binary previews skipped); a drop is StreamInterrupted."""
    try:
        async for message in ws:
            if isinstance(message, bytes):
                continue
            try:
                frame = orjson.loads(message)
            except orjson.JSONDecodeError:
                log.debug("ComfyUI sent a frame that is not JSON")
                continue
            if isinstance(frame, dict):
                yield frame
    except websockets.ConnectionClosed as exc:
        raise StreamInterrupted(f"websocket closed ({exc.__class__.__name__})", url=url) from exc
    raise StreamInterrupted("websocket closed", url=url)
