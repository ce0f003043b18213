"""What the simulated model does with tools, ``format``, ``think`` and ``num_ctx``. No I/O.

Deterministic, so tests can tell what happened: a model offered tools calls the first tool
whose name the last user message mentions (``get_weather`` or "get weather"), with arguments
taken from ``key=value`` pairs in the message, else from its words; after a ``tool`` message it
answers with the tool's result. ``format`` turns the reply into JSON (an object that matches a
schema's properties), ``think`` adds a thought before the answer, and a chat longer than
``num_ctx`` loses its oldest messages (the system messages stay), as Ollama truncates it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from alphaomega.testing._sim_text import count_words

DEFAULT_NUM_CTX = 4096  # Ollama's default context when a request sets no num_ctx
_PAIR = re.compile(r"(\w+)\s*[=:]\s*\"?([^\",;\s]+)\"?")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def truncated(messages: list[dict[str, Any]], num_ctx: int) -> list[dict[str, Any]]:
    """The messages Ollama would keep: the newest that fit ``num_ctx`` (words stand for
    tokens here), with every system message; the last message always."""
    system = [m for m in messages if m.get("role") == "system"]
    turns = [m for m in messages if m.get("role") != "system"]
    used = sum(count_words(str(m.get("content") or "")) for m in messages)
    while used > num_ctx and len(turns) > 1:
        used -= count_words(str(turns.pop(0).get("content") or ""))
    return system + turns


def tool_call(tools: list[dict[str, Any]], prompt: str) -> dict[str, Any] | None:
    """The tool call the prompt asks for (Ollama's shape: arguments an object), or None."""
    lowered = prompt.lower()
    for tool in tools:
        function = tool.get("function") or {}
        name = str(function.get("name") or "")
        if name and (name.lower() in lowered or name.lower().replace("_", " ") in lowered):
            return {"function": {"name": name, "arguments": _arguments(function, prompt)}}
    return None


def _arguments(function: dict[str, Any], prompt: str) -> dict[str, Any]:
    schema = function.get("parameters") or {}
    properties = schema.get("properties") or {}
    pairs = dict(_PAIR.findall(prompt))
    words = [w.strip(".,?!;:'\"") for w in prompt.split()]
    arguments: dict[str, Any] = {}
    for key, spec in properties.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        raw = pairs.get(key)
        if kind in ("integer", "number"):
            found = raw if raw is not None else next(iter(_NUMBER.findall(prompt)), "0")
            try:
                arguments[key] = int(found) if kind == "integer" else float(found)
            except ValueError:
                arguments[key] = 0
        elif kind == "boolean":
            arguments[key] = (raw or "true").lower() != "false"
        else:
            arguments[key] = raw if raw is not None else (words[-1] if words else "")
    return arguments


def formatted(text: str, format_: Any) -> str:
    """The reply as JSON when ``format`` asks for it: kept if it is JSON already."""
    if not format_:
        return text
    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    if isinstance(format_, dict):
        return json.dumps(_instance(format_, text))
    return json.dumps({"reply": text})


def _instance(schema: dict[str, Any], text: str) -> Any:
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _instance(v, text) for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [_instance(schema.get("items") or {"type": "string"}, text)]
    if kind == "integer":
        return len(text.split())
    if kind == "number":
        return float(len(text.split()))
    if kind == "boolean":
        return True
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    return text


def thought(prompt: str) -> str:
    return f"Let me think about {' '.join(prompt.split()[:12]) or 'this'} step by step."
