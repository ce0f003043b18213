"""Building OpenAI chat-completion chunks, usage and status events (no I/O).

Open WebUI forwards a streamed chunk's ``event`` key to its event emitter, so a chunk made by
``status_event`` shows (or, with ``done``, hides) a status line above the reply.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

DONE_LINE = "data: [DONE]"


def completion_id(model: str) -> str:
    return f"{model}-{uuid.uuid4().hex}"


def content_chunk(model: str, text: str, *, chunk_id: str) -> dict[str, Any]:
    return _chunk(model, chunk_id, {"content": text}, None)


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
    model: str, text: str, *, finish_reason: str = "stop", usage: dict[str, int] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": completion_id(model),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
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
