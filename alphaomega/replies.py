"""Answers a filter has already decided for a turn (a safety block, a ``/memories`` listing).

A filter's inlet can only hand back a body, and Open WebUI then calls the chosen model with it.
So the filter puts its answer under one top-level key, which Open WebUI forwards (it drops only
``metadata``) and the Pipelines server passes to ``pipe()``: the pack's own models return it
word for word without calling a backend. The key is set only for models the Pipelines server
serves, since other OpenAI-compatible APIs may reject unknown keys.
"""

from __future__ import annotations

from typing import Any

REPLY_KEY = "alphaomega_reply"


def served_by_pipelines(body: dict[str, Any]) -> bool:
    """A model of a Pipelines server, or an Open WebUI Function pipe (the pack's Functions
    target): both hand the body to Python code as it is."""
    metadata = body.get("metadata")
    model = metadata.get("model") if isinstance(metadata, dict) else None
    return isinstance(model, dict) and bool(model.get("pipeline") or model.get("pipe"))


def with_preset_reply(body: dict[str, Any], text: str) -> dict[str, Any]:
    """``body`` carrying ``text`` as its answer, when a pack model will read it."""
    if not served_by_pipelines(body):
        return body
    return {**body, REPLY_KEY: text}


def preset_reply(body: dict[str, Any]) -> str | None:
    """The answer a filter decided for this request, or None."""
    value = body.get(REPLY_KEY)
    return value if isinstance(value, str) and value.strip() else None
