"""Client for an OpenAI-compatible server (vLLM, llama.cpp): ``/v1/models``,
``/v1/chat/completions`` (SSE).

It offers the same coroutines as ``OllamaClient`` so the fleet treats both alike. Such servers
keep their models resident, so every listed model counts as loaded.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .. import runtime
from ..errors import BackendError, BackendProtocolError, StreamInterrupted, translate_httpx_error
from ._models import ChatDelta, ChatRequest, LoadedModel, ModelInfo, ToolCall, Usage
from ._wire import drain, json_or_raise, with_partial


class OpenAICompatClient:
    kind = "openai"

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        connect_timeout: float = 3.0,
        read_timeout: float = 300.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        base = url.rstrip("/")
        self.url = base[:-3] if base.endswith("/v1") else base
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._probe_timeout = httpx.Timeout(min(read_timeout, 5.0), connect=connect_timeout)
        self._http = http

    def __repr__(self) -> str:
        return f"OpenAICompatClient({self.url!r})"

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http or runtime.http()

    async def tags(self) -> list[ModelInfo]:
        try:
            response = await self.http.get(
                self.url + "/v1/models", headers=self._headers, timeout=self._probe_timeout
            )
        except Exception as exc:
            raise translate_httpx_error(exc, self.url) from exc
        data = json_or_raise(response, self.url)
        return [
            ModelInfo(name=str(m.get("id")), model=str(m.get("id"))) for m in data.get("data") or []
        ]

    async def ps(self) -> list[LoadedModel]:
        return [LoadedModel(name=m.name, model=m.model) for m in await self.tags()]

    async def version(self) -> str:
        return "openai-compatible"

    async def chat(self, request: ChatRequest) -> AsyncIterator[ChatDelta]:
        received: list[str] = []
        finish: str | None = None
        usage: Usage | None = None
        calls = _CallParts()
        try:
            async with self.http.stream(
                "POST",
                self.url + "/v1/chat/completions",
                json=_chat_payload(request),
                headers=self._headers,
                timeout=self._timeout,
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    json_or_raise(response, self.url, model=request.model)
                lines = response.aiter_lines()
                async for line in lines:
                    data = line[5:].strip() if line.startswith("data:") else None
                    if data == "[DONE]":
                        if finish is None and not received and not calls:
                            # llama-cpp-python ends a stream this way when another request
                            # pre-empts it: a cut, not an empty answer.
                            raise StreamInterrupted(
                                "the stream ended before any text or finish reason", url=self.url
                            )
                        await drain(response, lines)
                        yield ChatDelta(
                            done=True,
                            done_reason=finish or "stop",
                            usage=usage,
                            tool_calls=calls.whole(),
                        )
                        return
                    if data is None:
                        continue
                    chunk = _parse_sse_json(data, self.url)
                    usage = _usage(chunk) or usage
                    for choice in chunk.get("choices") or []:
                        finish = choice.get("finish_reason") or finish
                        delta = choice.get("delta") or {}
                        calls.add(delta.get("tool_calls"))
                        text = delta.get("content") or ""
                        thought = delta.get("reasoning_content") or delta.get("reasoning") or ""
                        if text:
                            received.append(text)
                        if text or thought:
                            yield ChatDelta(content=text, thinking=thought)
        except BackendError as exc:
            raise with_partial(exc, received) from exc
        except Exception as exc:
            raise with_partial(translate_httpx_error(exc, self.url), received) from exc
        raise StreamInterrupted(
            "the stream ended without [DONE]", url=self.url, partial="".join(received)
        )

    async def probe(self) -> dict[str, Any]:
        started = time.perf_counter()
        models = [m.name for m in await self.tags()]
        return {
            "version": await self.version(),
            "models": models,
            "loaded": models,
            "latency_ms": (time.perf_counter() - started) * 1000,
        }


def _chat_payload(request: ChatRequest) -> dict[str, Any]:
    """The OpenAI chat request for ``request``: streamed, with usage, Ollama's options mapped."""
    payload: dict[str, Any] = {
        "model": request.model,
        "messages": [_to_openai_message(m.model_dump(exclude_none=True)) for m in request.messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    for key in ("temperature", "top_p", "seed", "stop"):
        if key in request.options:
            payload[key] = request.options[key]
    if "num_predict" in request.options:
        payload["max_tokens"] = request.options["num_predict"]
    for key in ("presence_penalty", "frequency_penalty"):
        if key in request.options:
            payload[key] = request.options[key]
    payload.update(request.openai)  # tools, tool_choice, response_format, ... as sent
    return payload


class _CallParts:
    """Streamed tool calls come in pieces (name first, arguments in fragments), by index."""

    def __init__(self) -> None:
        self.parts: dict[int, dict[str, str]] = {}

    def __bool__(self) -> bool:
        return bool(self.parts)

    def add(self, deltas: Any) -> None:
        for position, delta in enumerate(deltas if isinstance(deltas, list) else []):
            if not isinstance(delta, dict):
                continue
            index = delta.get("index")
            part = self.parts.setdefault(index if isinstance(index, int) else position, {})
            function = delta.get("function") or {}
            if delta.get("id"):
                part["id"] = str(delta["id"])
            if function.get("name"):
                part["name"] = str(function["name"])
            part["arguments"] = part.get("arguments", "") + str(function.get("arguments") or "")

    def whole(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(part["name"], part.get("arguments") or "{}", part.get("id", ""))
            for _, part in sorted(self.parts.items())
            if part.get("name")
        )


def _usage(chunk: dict[str, Any]) -> Usage | None:
    counts = chunk.get("usage")
    if not counts:
        return None
    return Usage(
        prompt_tokens=int(counts.get("prompt_tokens") or 0),
        completion_tokens=int(counts.get("completion_tokens") or 0),
    )


def _to_openai_message(message: dict[str, Any]) -> dict[str, Any]:
    images = message.pop("images", None)
    message.pop("tool_name", None)
    if message.get("tool_calls"):
        message["tool_calls"] = [openai_tool_call(call) for call in message["tool_calls"]]
    if not images:
        return message
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.get("content", "")}]
    parts += [
        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{image}"}}
        for image in images
    ]
    return {**message, "content": parts}


def openai_tool_call(call: dict[str, Any]) -> dict[str, Any]:
    """An Ollama-shaped tool call (arguments an object) as OpenAI writes it (a JSON string)."""
    function = call.get("function") or {}
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {})
    shaped: dict[str, Any] = {
        "type": "function",
        "function": {"name": function.get("name", ""), "arguments": arguments},
    }
    if call.get("id"):
        shaped["id"] = call["id"]
    return shaped


def _parse_sse_json(data: str, url: str) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as exc:
        raise BackendProtocolError(f"not JSON: {data[:80]!r}", url=url) from exc
    if not isinstance(chunk, dict):
        raise BackendProtocolError(f"not a JSON object: {data[:80]!r}", url=url)
    if "error" in chunk:
        raise StreamInterrupted(str(chunk["error"]), url=url)
    return chunk
