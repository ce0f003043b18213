"""Client for one Ollama instance: ``/api/version``, ``/api/tags``, ``/api/ps``, ``/api/chat``,
``/api/embed``.

All calls are coroutines on the pack's loop (``alphaomega.runtime``) and share its HTTP client;
every failure leaves this module as an ``alphaomega.errors`` exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import orjson

from .. import runtime
from ..errors import (
    BackendError,
    BackendProtocolError,
    PullFailed,
    StreamInterrupted,
    translate_httpx_error,
)
from ..transport import JSONPost, post_streaming
from ._models import ChatDelta, ChatRequest, LoadedModel, ModelInfo, PullProgress, ToolCall, Usage
from ._wire import drain, json_or_raise, with_partial

log = logging.getLogger(__name__)

NANOSECONDS = 1e9


class OllamaClient:
    """One Ollama server. Cheap to create: the connection pool is the process's shared one."""

    kind = "ollama"

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 300.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._probe_timeout = httpx.Timeout(min(read_timeout, 5.0), connect=connect_timeout)
        self._http = http
        self._chat = JSONPost.to(self.url + "/api/chat")  # parsed once, not per chat

    def __repr__(self) -> str:
        return f"OllamaClient({self.url!r})"

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http or runtime.http()

    async def _get_json(self, path: str) -> Any:
        try:
            response = await self.http.get(self.url + path, timeout=self._probe_timeout)
        except Exception as exc:
            raise translate_httpx_error(exc, self.url) from exc
        return json_or_raise(response, self.url)

    async def version(self) -> str:
        return str((await self._get_json("/api/version")).get("version", "?"))

    async def tags(self) -> list[ModelInfo]:
        data = await self._get_json("/api/tags")
        return [ModelInfo.model_validate(entry) for entry in data.get("models") or []]

    async def ps(self) -> list[LoadedModel]:
        data = await self._get_json("/api/ps")
        return [LoadedModel.model_validate(entry) for entry in data.get("models") or []]

    async def context_length(self, model: str) -> int | None:
        """The model's own context length, as ``/api/show`` reports it (None when it does not)."""
        try:
            response = await self.http.post(
                self.url + "/api/show", json={"model": model}, timeout=self._probe_timeout
            )
        except Exception as exc:
            raise translate_httpx_error(exc, self.url) from exc
        info = json_or_raise(response, self.url, model=model).get("model_info") or {}
        lengths = [v for k, v in info.items() if k.endswith(".context_length") and v]
        return int(lengths[0]) if lengths else None

    async def embed(self, model: str, inputs: list[str]) -> list[list[float]]:
        payload = {"model": model, "input": inputs}
        try:
            response = await self.http.post(
                self.url + "/api/embed", json=payload, timeout=self._timeout
            )
        except Exception as exc:
            raise translate_httpx_error(exc, self.url) from exc
        data = json_or_raise(response, self.url, model=model)
        return data.get("embeddings") or []

    async def chat(self, request: ChatRequest) -> AsyncIterator[ChatDelta]:
        """Stream a chat reply as deltas; the last delta has ``done=True`` and the usage."""
        payload = request.model_dump(exclude_none=True)
        payload["stream"] = True
        received = []
        response: httpx.Response | None = None
        try:
            response = await post_streaming(
                self.http, self._chat, orjson.dumps(payload), self._timeout
            )
            if response.status_code >= 400:
                await response.aread()
                json_or_raise(response, self.url, model=request.model)
            batches = LineBatches(body_of(response))
            async for lines in batches:
                delta, error = merged_delta(lines, self.url)
                if delta is not None:
                    received.append(delta.content)
                    if delta.done:
                        await drain(response, batches)
                        await response.aclose()  # a reader that stops here leaves it reusable
                        yield delta
                        return
                    yield delta
                if error is not None:
                    raise error
        except BackendError as exc:
            raise with_partial(exc, received) from exc
        except Exception as exc:
            raise with_partial(translate_httpx_error(exc, self.url), received) from exc
        finally:
            if response is not None:
                await response.aclose()
        raise StreamInterrupted(
            "the stream ended before its final message", url=self.url, partial="".join(received)
        )

    async def pull(self, model: str, read_timeout: float = 900.0) -> AsyncIterator[PullProgress]:
        """Download ``model`` onto this instance (``/api/pull``), yielding its progress lines.

        An ``{"error": ...}`` line, or a stream that ends before ``success``, raises
        ``PullFailed``. ``read_timeout``: the longest silence allowed (verifying a large blob
        sends nothing for a while)."""
        timeout = httpx.Timeout(read_timeout, connect=self._timeout.connect)
        payload = {"model": model, "stream": True}
        try:
            async with self.http.stream(
                "POST", self.url + "/api/pull", json=payload, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    json_or_raise(response, self.url, model=model)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    data = orjson.loads(line)
                    if not isinstance(data, dict):
                        raise BackendProtocolError(
                            f"not a JSON object: {line[:80]!r}", url=self.url
                        )
                    if "error" in data:
                        raise PullFailed(model, str(data["error"]), url=self.url)
                    progress = PullProgress.model_validate(data)
                    yield progress
                    if progress.status == "success":
                        return
        except orjson.JSONDecodeError as exc:
            raise BackendProtocolError(f"not JSON: {exc}", url=self.url) from exc
        except BackendError:
            raise
        except Exception as exc:
            raise translate_httpx_error(exc, self.url) from exc
        raise PullFailed(model, "the stream ended before 'success'", url=self.url)

    async def probe(self) -> dict[str, Any]:
        """Health facts for ``doctor`` and the fleet: version, models, loaded models, latency."""
        started = time.perf_counter()
        version = await self.version()
        latency_ms = (time.perf_counter() - started) * 1000
        return {
            "version": version,
            "models": [m.name for m in await self.tags()],
            "loaded": [m.name for m in await self.ps()],
            "latency_ms": latency_ms,
        }


class LineBatches:
    """The complete lines of an NDJSON body, as bytes, in the batches they arrived in.

    An iterator, not an async generator: the chat stops reading at the reply's last line, and
    an async generator left unfinished is closed by the loop in a task of its own.
    """

    def __init__(self, pieces: AsyncIterator[bytes]) -> None:
        self._pieces = pieces
        self._rest = b""
        self._ended = False

    def __aiter__(self) -> LineBatches:
        return self

    async def __anext__(self) -> list[bytes]:
        while not self._ended:
            try:
                piece = await anext(self._pieces)
            except StopAsyncIteration:
                self._ended = True
                if self._rest.strip():
                    return [self._rest]
                break
            lines = (self._rest + piece).split(b"\n")
            self._rest = lines.pop()
            if lines:
                return lines
        raise StopAsyncIteration


def merged_delta(lines: list[bytes], url: str) -> tuple[ChatDelta | None, BackendError | None]:
    """The lines that arrived together as one delta: their text, thinking and tool calls
    joined, the last one's end.

    A server that keeps up reads one line at a time and streams token by token; one that has
    fallen behind reads many at once and catches up in one step instead of one per token.
    A bad line ends the batch: the text before it still counts, its error comes after.
    Lines with nothing to show and no end give no delta.
    """
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[ToolCall] = []
    final: dict[str, Any] | None = None
    error: BackendError | None = None
    kept = [line for line in lines if line.strip()]
    for index, data in enumerate(_parsed(kept)):
        if type(data) is not dict or "error" in data:
            error = _line_error(data, kept[index], url)
            break
        message = data.get("message")
        if type(message) is dict:
            content = message.get("content")
            if content:
                texts.append(str(content))
            if message.get("thinking"):
                thoughts.append(str(message["thinking"]))
            if message.get("tool_calls"):
                calls += tool_calls_of(message["tool_calls"])
        if data.get("done"):
            final = data
            break
    if not texts and not thoughts and not calls and final is None:
        return None, error
    delta = _delta("".join(texts), final)
    if thoughts or calls:
        delta = replace(delta, thinking="".join(thoughts), tool_calls=tuple(calls))
    return delta, error


def tool_calls_of(calls: Any) -> list[ToolCall]:
    """Ollama's ``message.tool_calls`` (arguments an object) as the pack's ``ToolCall``."""
    found: list[ToolCall] = []
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            continue
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            arguments = orjson.dumps(arguments if arguments is not None else {}).decode()
        found.append(ToolCall(str(function["name"]), arguments, str(call.get("id") or "")))
    return found


def _parsed(lines: list[bytes]) -> list[Any]:
    """Each line's JSON value; one parse for the whole batch when every line is one value.
    A line that is not JSON ends the list with its decoding error."""
    try:
        values = orjson.loads(b"[%b]" % b",".join(lines))
        if len(values) == len(lines):
            return values
    except orjson.JSONDecodeError:
        pass
    values = []
    for line in lines:
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            values.append(exc)
            break
    return values


def body_of(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive: the transport's stream itself when nothing needs
    decoding (the pack asks for no compression), else httpx's decoding iterator."""
    if response.headers.get("content-encoding", "identity") == "identity":
        return aiter(response.stream)  # type: ignore[arg-type]
    return response.aiter_bytes()


def _line_error(value: Any, line: bytes, url: str) -> BackendError:
    """The error a line that is not a chat message stands for (its parsed ``value``)."""
    if isinstance(value, orjson.JSONDecodeError):
        error: BackendError = BackendProtocolError(f"not JSON: {_shown(line)}", url=url)
        error.__cause__ = value
        return error
    if type(value) is not dict:
        return BackendProtocolError(f"not a JSON object: {_shown(line)}", url=url)
    return StreamInterrupted(str(value["error"]), url=url)


def _delta(content: str, final: dict[str, Any] | None) -> ChatDelta:
    if final is None:
        return ChatDelta(content=content)
    load_ns = final.get("load_duration")
    return ChatDelta(
        content=content,
        done=True,
        done_reason=final.get("done_reason") or "stop",
        usage=Usage(
            prompt_tokens=int(final.get("prompt_eval_count") or 0),
            completion_tokens=int(final.get("eval_count") or 0),
        ),
        load_seconds=load_ns / NANOSECONDS if load_ns else None,
    )


def _shown(line: bytes) -> str:
    return repr(line.decode(errors="replace")[:80])
