"""Reading the messages Open WebUI sends (OpenAI shape) and turning them into backend messages.

No I/O: images arrive already decoded by the caller's ``image_part`` hook (the Vision model
fetches and shrinks them); everything else is plain data handling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InputError
from .fleet.models import ChatMessage

ROLES = ("system", "user", "assistant", "tool")
ImagePartHook = Callable[[dict[str, Any]], str]
"""Turns one ``image_url`` content part into base64 image data, or raises ``InputError``."""


def text_of(content: Any) -> str:
    """The text of a message's content, whether a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return text_of(message.get("content"))
    return ""


def has_images(messages: list[dict[str, Any]]) -> bool:
    return any(
        isinstance(part, dict) and part.get("type") == "image_url"
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for part in message["content"]
    )


def to_backend_messages(
    messages: list[dict[str, Any]],
    *,
    system_prompt: str = "",
    image_part: ImagePartHook | None = None,
) -> list[ChatMessage]:
    """OpenAI-style messages to backend ones; a bad message raises ``InputError`` saying why."""
    if not messages:
        raise InputError("The request has no messages: send at least one user message.")
    converted: list[ChatMessage] = []
    if system_prompt.strip():
        converted.append(ChatMessage(role="system", content=system_prompt.strip()))
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InputError(f"Message {index + 1} is not an object.")
        role = message.get("role")
        if role not in ROLES:
            raise InputError(f"Message {index + 1} has the role {role!r}; use one of {ROLES}.")
        text, images = _split_content(message.get("content"), index, image_part)
        converted.append(ChatMessage(role=role, content=text, images=images or None))
    if not any(m.role == "user" for m in converted):
        raise InputError("The request has no user message.")
    return converted


def _split_content(
    content: Any, index: int, image_part: ImagePartHook | None
) -> tuple[str, list[str]]:
    if content is None or isinstance(content, str):
        return content or "", []
    if not isinstance(content, list):
        raise InputError(f"Message {index + 1} has content of type {type(content).__name__}.")
    texts: list[str] = []
    images: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url" and image_part is not None:
            images.append(image_part(part))
        elif kind == "image_url":
            raise InputError(
                "This model reads text only. Pick an AlphaOmega · Vision model to ask about images."
            )
        else:
            raise InputError(
                f"Message {index + 1} has a content part of type {kind!r}; "
                "this model takes 'text'" + (" and 'image_url'" if image_part else "") + " parts."
            )
    return "\n".join(texts), images
