"""Which requests the pack serves natively, and what they carry: no I/O here.

The native path takes exactly two kinds of request away from the stock routes, and only for
the pack's own plugins: a streamed chat completion, and a filter's inlet or outlet. Anything it
does not recognise, or that the stock route would answer with an error (an unknown model), is
left to the stock route, so errors read the same either way. The one exception: a chat request
whose messages are malformed, for any model, is refused at the door with the reason
(``messages.chat_request_problem``), where the stock route would fail with a bare 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
_HOOK_PATH = re.compile(r"^(?:/v1)?/(?P<id>[^/]+)/filter/(?P<hook>inlet|outlet)$")

Hook = Literal["inlet", "outlet"]


@dataclass(frozen=True)
class ChatRoute:
    pass


@dataclass(frozen=True)
class HookRoute:
    filter_id: str
    hook: Hook


Route = ChatRoute | HookRoute


def match(method: str, path: str) -> Route | None:
    if method != "POST":
        return None
    if path in CHAT_PATHS:
        return ChatRoute()
    found = _HOOK_PATH.match(path)
    if found is None or found["id"] == "v1":
        return None
    return HookRoute(found["id"], found["hook"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class ChatCall:
    """A chat for one manifold's sub-model, as the stock route would pass it to pipe."""

    module_id: str
    sub_model: str
    body: dict[str, Any]
    messages: list[dict[str, Any]]


def chat_call(payload: Any) -> ChatCall | None:
    """The call for a body the stock route would accept; None for anything else. ``stream``
    absent is a JSON reply (the OpenAI API's default), as false is."""
    if not isinstance(payload, dict) or type(payload.get("stream", False)) is not bool:
        return None
    model, messages = payload.get("model"), payload.get("messages")
    if not isinstance(model, str) or "." not in model or not isinstance(messages, list):
        return None
    if not all(_valid_message(m) for m in messages):
        return None
    module_id, sub_model = model.split(".", 1)
    return ChatCall(module_id, sub_model, dict(payload), messages)


def _valid_message(message: Any) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("role"), str):
        return False
    content = message.get("content")
    return isinstance(content, str | list) or (content is None and message["role"] == "assistant")


def hook_arguments(payload: Any) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """``(body, user)`` of a filter call the stock route would accept; None otherwise."""
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), dict):
        return None
    user = payload.get("user")
    if user is not None and not isinstance(user, dict):
        return None
    return payload["body"], user


def has_header(headers: list[tuple[bytes, bytes]], name: bytes) -> bool:
    return any(key.lower() == name for key, _ in headers)


def sends_json(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the body is declared JSON, the only kind the stock routes read as JSON."""
    for key, value in headers:
        if key.lower() == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (
                kind.startswith(b"application/") and kind.endswith(b"+json")
            )
    return False
