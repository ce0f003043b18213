"""The OpenAI request fields a pack model passes on, in Ollama's terms, and the context window.

No I/O here. ``backend_fields`` maps what an OpenAI client sends (sampling options, ``tools``,
``response_format``, ``reasoning_effort``) onto Ollama's ``/api/chat`` fields, and keeps the
OpenAI originals for OpenAI-compatible instances, which take them as they are. ``fit_context``
leaves the oldest turns out of a chat longer than the model's context, so the pack can say so
instead of letting the backend cut it silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .fleet import ChatMessage

# OpenAI request fields (and the Ollama ones Open WebUI may forward), and the option each
# becomes in Ollama's ``options``.
OPTION_FIELDS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "seed": "seed",
    "stop": "stop",
    "max_tokens": "num_predict",
    "max_completion_tokens": "num_predict",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "repeat_penalty": "repeat_penalty",
}
# Passed as they are to an OpenAI-compatible instance.
OPENAI_FIELDS = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
)
EFFORT_OFF = ("none", "minimal")
CHARS_PER_TOKEN = 3.0  # code and non-English text run denser than English's four
TOKENS_PER_MESSAGE = 4  # the template's role markers
TOKENS_PER_IMAGE = 768
DEFAULT_RESERVE = 1024  # room kept for the answer when the request sets no max_tokens


@dataclass(frozen=True)
class BackendFields:
    options: dict[str, Any]
    tools: list[dict[str, Any]] | None
    format: str | dict[str, Any] | None
    think: bool | str | None
    openai: dict[str, Any]


def backend_fields(body: dict[str, Any], *, think: bool | None = None) -> BackendFields:
    """The request's generation fields for the backend; ``think`` is the model's valve, which
    the request's ``reasoning_effort`` overrides. Raises ``InputError`` for a malformed one."""
    options = {
        target: body[name] for name, target in OPTION_FIELDS.items() if body.get(name) is not None
    }
    return BackendFields(
        options=options,
        tools=_tools(body),
        format=_format(body.get("response_format")),
        think=_think(body.get("reasoning_effort"), think),
        openai={name: body[name] for name in OPENAI_FIELDS if body.get(name) is not None},
    )


def _tools(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    tools = body.get("tools")
    if tools is None or body.get("tool_choice") == "none":
        return None
    if not isinstance(tools, list) or not all(_is_function_tool(tool) for tool in tools):
        raise InputError(
            "'tools' must be a list of tools such as "
            '{"type": "function", "function": {"name": "...", "parameters": {...}}}.'
        )
    return tools or None


def _is_function_tool(tool: Any) -> bool:
    function = tool.get("function") if isinstance(tool, dict) else None
    return isinstance(function, dict) and isinstance(function.get("name"), str)


def _format(response_format: Any) -> str | dict[str, Any] | None:
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in (None, "text") and isinstance(response_format, dict):
        return None
    if kind == "json_object":
        return "json"
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise InputError(
                "'response_format' of type json_schema needs 'json_schema': "
                '{"name": "...", "schema": {...}}.'
            )
        return schema
    raise InputError(
        '\'response_format\' must be {"type": "text"}, {"type": "json_object"} or '
        '{"type": "json_schema", "json_schema": {...}}.'
    )


def _think(effort: Any, valve: bool | None) -> bool | str | None:
    if effort is None:
        return valve
    if not isinstance(effort, str):
        raise InputError("'reasoning_effort' must be one of none, minimal, low, medium, high.")
    effort = effort.strip().lower()
    if effort in EFFORT_OFF:
        return False
    if effort not in ("low", "medium", "high"):
        raise InputError("'reasoning_effort' must be one of none, minimal, low, medium, high.")
    return effort


def context_size(valve: int | None, model_length: int | None, cap: int) -> int | None:
    """The ``num_ctx`` to ask for: the valve, else the model's own length, never past ``cap``;
    None when neither is known (the backend keeps its own)."""
    wanted = valve or model_length
    return min(wanted, cap) if wanted else None


def estimated_tokens(message: ChatMessage) -> int:
    calls = message.tool_calls or []
    text = len(message.content) + sum(len(str(call.get("function") or "")) for call in calls)
    images = len(message.images or ())
    return int(text / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE + images * TOKENS_PER_IMAGE


def fit_context(
    messages: list[ChatMessage], num_ctx: int, reserve: int | None = None
) -> tuple[list[ChatMessage], int]:
    """``messages`` without their oldest turns while they would not fit ``num_ctx`` tokens
    with room for the answer (``reserve``); system messages and the last message always stay,
    and what is kept starts with a user message. Returns the messages kept and how many were
    left out."""
    room = num_ctx - (reserve if reserve is not None else min(DEFAULT_RESERVE, num_ctx // 4))
    system = [m for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    used = sum(estimated_tokens(m) for m in messages)
    dropped = 0
    while used > room and len(turns) > 1:
        used -= estimated_tokens(turns.pop(0))
        dropped += 1
        while len(turns) > 1 and turns[0].role != "user":  # no answer without its question
            used -= estimated_tokens(turns.pop(0))
            dropped += 1
    if not dropped:
        return messages, 0
    return system + turns, dropped
