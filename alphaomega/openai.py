"""Building OpenAI chat-completion chunks, usage and status events (no I/O).

Open WebUI forwards a streamed chunk's ``event`` key to its event emitter, so a chunk made by
``status_event`` shows (or, with ``done``, hides) a status line above the reply.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from .errors import (
    BackendError,
    BackendStatusError,
    BackendUnavailable,
    FeatureUnsupported,
    InputError,
    ModelNotFound,
)

DONE_LINE = "data: [DONE]"


def completion_id(model: str) -> str:
    return f"{model}-{uuid.uuid4().hex}"


def content_chunk(model: str, text: str, *, chunk_id: str) -> dict[str, Any]:
    return _chunk(model, chunk_id, {"content": text}, None)


def reasoning_chunk(model: str, text: str, *, chunk_id: str) -> dict[str, Any]:
    """Thinking, apart from the answer: Open WebUI 0.12.4 shows ``reasoning_content`` deltas
    as its collapsible "Thought for ..." block."""
    return _chunk(model, chunk_id, {"reasoning_content": text}, None)


def tool_call_delta(index: int, call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """One whole tool call as a streamed ``delta.tool_calls`` entry."""
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def tool_calls_chunk(model: str, calls: list[dict[str, Any]], *, chunk_id: str) -> dict[str, Any]:
    return _chunk(model, chunk_id, {"role": "assistant", "tool_calls": calls}, None)


def usage_chunk(model: str, usage: dict[str, int], *, chunk_id: str) -> dict[str, Any]:
    """The extra last chunk ``stream_options.include_usage`` asks for: no choices, the usage."""
    chunk = _chunk(model, chunk_id, {}, None)
    chunk["choices"] = []
    chunk["usage"] = usage
    return chunk


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An error as the OpenAI API writes it (its SDKs read ``error.message``); ``detail`` too,
    as the Pipelines server writes its own errors, for clients that read that."""
    error = {"message": message, "type": kind, "param": None, "code": code}
    return {"error": error, "detail": message}


def role_chunk(model: str, *, chunk_id: str) -> dict[str, Any]:
    return _chunk(model, chunk_id, {"role": "assistant", "content": ""}, None)


def images_chunk(model: str, urls: list[str], *, chunk_id: str) -> dict[str, Any]:
    """A chunk carrying images in ``delta.images`` (as OpenRouter-style image models send them;
    Open WebUI uploads each to its files and attaches it to the message)."""
    images = [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return _chunk(model, chunk_id, {"content": "", "images": images}, None)


def final_chunk(
    model: str, *, chunk_id: str, finish_reason: str = "stop", usage: dict[str, int] | None = None
) -> dict[str, Any]:
    chunk = _chunk(model, chunk_id, {}, finish_reason)
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def status_event(description: str, *, done: bool = False, hidden: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"description": description, "done": done}
    if hidden:
        data["hidden"] = True
    return {"event": {"type": "status", "data": data}}


def completion(
    model: str,
    text: str,
    *,
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
    reasoning: str = "",
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["content"] = text or None
        message["tool_calls"] = [
            {key: value for key, value in call.items() if key != "index"} for call in tool_calls
        ]
    if reasoning:
        message["reasoning_content"] = reasoning
    body: dict[str, Any] = {
        "id": completion_id(model),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def _chunk(
    model: str, chunk_id: str, delta: dict[str, Any], finish_reason: str | None
) -> dict[str, Any]:
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def failure_answer(error: Exception | None) -> tuple[int, dict[str, Any]]:
    """The HTTP status and OpenAI error body of a non-streamed reply that failed before it
    said anything: the request's fault is 400, a missing model 404, a fleet too busy 429, a
    fleet down 503, a backend that failed otherwise 502."""
    message = error.user_message() if hasattr(error, "user_message") else str(error)
    if isinstance(error, ModelNotFound):
        return 404, error_body(message, "invalid_request_error", "model_not_found")
    if isinstance(error, FeatureUnsupported | InputError):
        return 400, error_body(message, "invalid_request_error")
    if isinstance(error, BackendStatusError) and error.status in (429, 503):
        return 429, error_body(message, "rate_limit_error", "rate_limit_exceeded")
    if isinstance(error, BackendUnavailable):
        return 503, error_body(message, "service_unavailable", "backend_unavailable")
    if isinstance(error, BackendError):
        return 502, error_body(message, "api_error", "backend_error")
    return 500, error_body(message or "internal error", "api_error")
