"""Reading what Open WebUI 0.12 sends to a filter (no I/O).

Inlet body: ``model``, ``messages`` (OpenAI shape; content is text or a list of parts) and
``metadata`` with ``chat_id``, ``message_id`` (the assistant message about to be written),
``user_id`` and ``task`` (set on title/tag/follow-up requests). API calls carry an empty
``chat_id`` and no ``message_id``.

Outlet body: ``model``, ``messages`` (each ``id``, ``role``, ``content``, ``info``,
``timestamp``, plus ``usage`` when the reply reported it and ``finish_reason`` on the answered
message), ``chat_id``, ``session_id`` and ``id`` (the assistant message id; Open WebUI makes one
up for API calls). Open WebUI normalises a reply's usage chunk onto that message's ``usage``:
the OpenAI names (``prompt_tokens``, ``completion_tokens``, ``total_tokens``) plus
``input_tokens``/``output_tokens`` and any extra keys of the chunk (llama.cpp ``timings`` land
there too). Older versions put counters in ``info``.
"""

from __future__ import annotations

import hashlib
from typing import Any

_TOKEN_KEYS = {
    "input": ("input_tokens", "prompt_tokens", "prompt_eval_count"),
    "output": ("output_tokens", "completion_tokens", "eval_count"),
    "total": ("total_tokens",),
}
# Milliseconds until the first token, most specific first. ``ttft_ms`` is what the pack's own
# usage chunk carries; ``prompt_ms`` is llama.cpp's prompt time, which is what the first token
# waits for.
_TTFT_MS_KEYS = ("ttft_ms", "time_to_first_token_ms", "prompt_ms")


def metadata(body: dict[str, Any]) -> dict[str, Any]:
    value = body.get("metadata")
    return value if isinstance(value, dict) else {}


def text_of(content: Any) -> str:
    """The text of a message content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for part in content:
            if isinstance(part, dict):
                if part.get("type") in ("text", "input_text", "output_text"):
                    pieces.append(str(part.get("text") or ""))
                elif part.get("type") in ("image_url", "input_image", "image"):
                    pieces.append("[image]")
            elif isinstance(part, str):
                pieces.append(part)
        return "\n".join(piece for piece in pieces if piece)
    return "" if content is None else str(content)


def cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def trace_messages(messages: Any, *, max_chars: int, max_messages: int) -> list[dict[str, str]]:
    """Messages as a trace shows them: role and text only, images as ``[image]``, cut."""
    if not isinstance(messages, list):
        return []
    kept = [m for m in messages if isinstance(m, dict)][-max_messages:]
    return [
        {"role": str(m.get("role") or ""), "content": cut(text_of(m.get("content")), max_chars)}
        for m in kept
    ]


def last_user_text(messages: Any) -> str:
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return text_of(message.get("content"))
    return ""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def answered_message(body: dict[str, Any]) -> dict[str, Any] | None:
    """The assistant message an outlet reports: the one with the body's ``id``, else the last."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    wanted = body.get("id")
    assistants = [m for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
    for message in assistants:
        if wanted and message.get("id") == wanted:
            return message
    return assistants[-1] if assistants else None


def messages_before(body: dict[str, Any], answer: dict[str, Any] | None) -> list[Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    for index, message in enumerate(messages):
        if message is answer:
            return messages[:index]
    return list(messages)


def usage_of(answer: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any]:
    """The raw usage of the answered message: its ``usage``, else its ``info``, else the body's."""
    candidates: list[Any] = []
    if answer:
        info = answer.get("info")
        candidates += [answer.get("usage")]
        if isinstance(info, dict):
            candidates += [info.get("usage"), info]
    candidates.append(body.get("usage"))
    for candidate in candidates:
        if isinstance(candidate, dict) and _looks_like_usage(candidate):
            return candidate
    return {}


def usage_details(usage: dict[str, Any]) -> dict[str, int]:
    """Langfuse ``usage_details``: ``input``, ``output``, ``total`` token counts."""
    details: dict[str, int] = {}
    for name, keys in _TOKEN_KEYS.items():
        for key in keys:
            value = usage.get(key)
            if _is_count(value):
                details[name] = int(value)
                break
    if "total" not in details and ("input" in details or "output" in details):
        details["total"] = details.get("input", 0) + details.get("output", 0)
    return details


def ttft_ms_of(usage: dict[str, Any], answer: dict[str, Any] | None) -> float | None:
    sources = [usage]
    if answer and isinstance(answer.get("info"), dict):
        sources.append(answer["info"])
    for source in sources:
        for key in _TTFT_MS_KEYS:
            value = source.get(key)
            if _is_count(value):
                return float(value)
    return None


def _is_count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _looks_like_usage(candidate: dict[str, Any]) -> bool:
    keys = [key for group in _TOKEN_KEYS.values() for key in group] + list(_TTFT_MS_KEYS)
    return any(_is_count(candidate.get(key)) for key in keys)
