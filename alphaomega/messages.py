"""Reading the messages Open WebUI sends (OpenAI shape) and turning them into backend messages.

No I/O: images arrive already decoded by the caller's ``image_part`` hook (the Vision model
fetches and shrinks them); everything else is plain data handling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .errors import InputError
from .fleet import ChatMessage

ROLES = ("system", "user", "assistant", "tool")
ImagePartHook = Callable[[dict[str, Any]], str]
"""Turns one ``image_url`` content part into base64 image data, or raises ``InputError``."""

# The request fields that reach a backend as numbers. Ollama and the OpenAI-compatible servers
# read integers as 64-bit: a larger one fails there, and would read as the backend's fault.
INTEGER_FIELDS = ("max_tokens", "max_completion_tokens", "seed", "n", "top_k", "top_logprobs")
NUMBER_FIELDS = ("temperature", "top_p", "min_p", "frequency_penalty", "presence_penalty")
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
TEXT_PART = '{"type": "text", "text": "..."}'
IMAGE_PART = '{"type": "image_url", "image_url": {"url": "..."}}'
# Open WebUI 0.12.4 lists a message's attached files in its text; the files reach a model on
# their own (images as image parts), the list is markup no model should read as the person's.
_ATTACHED_FILES = re.compile(r"<attached_files>.*?</attached_files>\s*", re.DOTALL)
# An image an earlier answer showed (an Image model's data: URL, or Open WebUI's file link):
# megabytes of base64 no text model should be sent again on every later turn.
_ANSWER_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*(?:data:[^)\s]*|/api/v1/files/[^)\s]*)[^)]*\)")
# Request fields the pack's models cannot honour: refused with a 400 that says so.
UNSUPPORTED_FIELDS = {
    "logit_bias": "'logit_bias' is not supported: the pack's backends (Ollama) take no per-token "
    "bias. Leave it out.",
}


def is_task(body: dict[str, Any]) -> bool:
    """Open WebUI's own requests (titles, tags, follow-ups, ...) carry ``metadata.task``."""
    metadata = body.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("task"))


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
            return without_file_markup(text_of(message.get("content")))
    return ""


def without_file_markup(text: str) -> str:
    """The person's words without the ``<attached_files>`` list Open WebUI put into them."""
    if "</attached_files>" not in text:
        return text
    return _ATTACHED_FILES.sub("", text).strip()


def without_answer_images(text: str) -> str:
    """An earlier answer's text with its embedded images replaced by their alt text."""
    if "](" not in text:
        return text
    return _ANSWER_IMAGE.sub(lambda m: f"[image: {m[1]}]" if m[1].strip() else "[image]", text)


def unsupported_problem(body: dict[str, Any]) -> str | None:
    """A request field the pack's models refuse (``n`` > 1, ``logit_bias``), said plainly."""
    n = body.get("n")
    if isinstance(n, int) and not isinstance(n, bool) and n > 1:
        return (
            f"'n' is {n}: the pack's models give one choice per request; send n=1 or leave it out."
        )
    for name, problem in UNSUPPORTED_FIELDS.items():
        if body.get(name):
            return problem
    return None


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
    called: dict[str, str] = {}  # tool call id -> the tool's name, for the tool's answer
    if system_prompt.strip():
        converted.append(ChatMessage(role="system", content=system_prompt.strip()))
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InputError(f"Message {index + 1} is not an object.")
        role = message.get("role")
        if role not in ROLES:
            raise InputError(f"Message {index + 1} has the role {role!r}; use one of {ROLES}.")
        if role == "assistant":  # what it said stays; what it showed does not go back
            text, images = without_answer_images(_answer_text(message.get("content"))), []
        else:
            text, images = _split_content(message.get("content"), index, image_part)
        if role == "user":
            text = without_file_markup(text)
        extra: dict[str, Any] = {}
        if role == "assistant" and message.get("tool_calls"):
            extra["tool_calls"] = [_backend_tool_call(c, index) for c in message["tool_calls"]]
            called.update((c.get("id", ""), c["function"]["name"]) for c in extra["tool_calls"])
            called[""] = extra["tool_calls"][-1]["function"]["name"]  # a reply naming no id
        if role == "tool":
            call_id = str(message.get("tool_call_id") or "")
            name = called.get(call_id) or called.get("")
            extra = {"tool_call_id": call_id or None, "tool_name": name}
        converted.append(ChatMessage(role=role, content=text, images=images or None, **extra))
    if not any(m.role == "user" for m in converted):
        raise InputError("The request has no user message.")
    return converted


def _answer_text(content: Any) -> str:
    """An assistant message's text; image parts (an earlier answer's pictures) left out."""
    if isinstance(content, list):
        return text_of(content)
    return content if isinstance(content, str) else ""


def _backend_tool_call(call: Any, index: int) -> dict[str, Any]:
    """An OpenAI tool call (arguments a JSON string) as Ollama takes it (an object)."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InputError(f"Message {index + 1} has a tool call without a function name.")
    arguments: Any = function.get("arguments") or "{}"
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            raise InputError(
                f"Message {index + 1} has a tool call to {function['name']} whose arguments "
                "are not JSON."
            ) from None
    shaped: dict[str, Any] = {"function": {"name": function["name"], "arguments": arguments}}
    if call.get("id"):
        shaped["id"] = str(call["id"])
    return shaped


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


def chat_request_problem(payload: Any) -> str | None:
    """Why a chat completion request cannot be served as sent, in words a person can act on;
    None when its shape is sound. Only the shape: which model, and whether it reads images, is
    the model's business."""
    if not isinstance(payload, dict):
        return "The request body must be a JSON object with 'model' and 'messages'."
    if not isinstance(payload.get("model"), str):
        return "The request needs 'model': the id of the model, as a string."
    return messages_problem(payload.get("messages")) or options_problem(payload)


def messages_problem(messages: Any) -> str | None:
    if not isinstance(messages, list):
        return (
            f"'messages' is {_kind(messages)}; it must be a list of messages such as "
            '[{"role": "user", "content": "Hello"}].'
        )
    for index, message in enumerate(messages, 1):
        problem = _message_problem(message)
        if problem:
            return f"Message {index} {problem}"
    return None


def options_problem(body: dict[str, Any]) -> str | None:
    """A generation option a backend would refuse or misread (a 100-digit ``max_tokens``)."""
    for name in INTEGER_FIELDS:
        value = body.get(name)
        if value is None:
            continue
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if numeric and not INT64_MIN <= value <= INT64_MAX:
            return f"'{name}' is too large: it must be a whole number of at most {INT64_MAX}."
        if isinstance(value, bool) or not isinstance(value, int):
            return f"'{name}' must be a whole number, not {_kind(value)}."
    for name in NUMBER_FIELDS:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"'{name}' must be a number, not {_kind(value)}."
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str) or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
    ):
        return f"'stop' must be a string or a list of strings, not {_kind(stop)}."
    return None


def _message_problem(message: Any) -> str | None:
    if not isinstance(message, dict):
        return f"is {_kind(message)}; a message is an object with 'role' and 'content'."
    if not isinstance(message.get("role"), str):
        role = _kind(message.get("role"))
        return f"needs 'role' as a string (one of {', '.join(ROLES)}), not {role}."
    content = message.get("content")
    if isinstance(content, str):
        return None
    if content is None and message["role"] == "assistant":
        return None  # an answer that only called tools
    if not isinstance(content, list):
        return (
            f"has content that is {_kind(content)}; content is a string or a list of parts "
            f"such as {TEXT_PART}."
        )
    for index, part in enumerate(content, 1):
        problem = _part_problem(part)
        if problem:
            return f"has a content part ({index}) that {problem}"
    return None


def _part_problem(part: Any) -> str | None:
    if not isinstance(part, dict):
        return f"is {_kind(part)}; a part is an object such as {TEXT_PART}."
    kind = part.get("type")
    if not isinstance(kind, str):
        return f"names no 'type'; a part says what it is, such as {TEXT_PART}."
    if kind == "text" and not isinstance(part.get("text"), str):
        return f"is a text part with no text as a string; write it as {TEXT_PART}."
    if kind == "image_url":
        image = part.get("image_url")
        if not isinstance(image, dict):
            return (
                f"gives 'image_url' as {_kind(image)}; it must be an object holding the URL: "
                f"{IMAGE_PART}."
            )
        if not isinstance(image.get("url"), str):
            return f"has an 'image_url' with no 'url' as a string; write it as {IMAGE_PART}."
    return None


def _kind(value: Any) -> str:
    """How a JSON value reads in an error message."""
    if value is None:
        return "missing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"[:40]
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
