"""A reply gathered whole: the one ``chat.completion`` a non-streamed request gets.

The native path awaits ``whole_reply`` on the loop (with ``failures_raise``, so a reply that
failed before it said anything is answered with its HTTP status); a pipe in the stock server's
worker thread gets it through ``chat.collect``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from . import openai
from .events import Event, Failure, Finish, Images, Reasoning, Text, ToolCalls
from .fleet import ToolCall

__all__ = ["ReplyFailed", "numbered_calls", "whole_reply"]


def numbered_calls(calls: tuple[ToolCall, ...], first: int = 0) -> list[dict[str, Any]]:
    """Tool calls as OpenAI deltas, numbered from ``first``; an id made where the backend
    gave none (a client answers each call by its id)."""
    return [
        openai.tool_call_delta(
            first + offset, call.id or f"call_{uuid.uuid4().hex[:24]}", call.name, call.arguments
        )
        for offset, call in enumerate(calls)
    ]


class ReplyFailed(Exception):
    """A non-streamed reply that failed before it said anything: ``error`` says why."""

    def __init__(self, error: Exception | None) -> None:
        super().__init__(str(error))
        self.error = error


async def whole_reply(
    model: str, events: AsyncIterator[Event], *, failures_raise: bool = False
) -> dict[str, Any]:
    """The whole reply as one ``chat.completion``. With ``failures_raise``, a reply that fails
    before any answer raises ``ReplyFailed`` (a caller that can answer with an HTTP status)."""
    parts: list[str] = []
    thoughts: list[str] = []
    calls: list[dict[str, Any]] = []
    finish = Finish()
    async with contextlib.aclosing(events):  # type: ignore[type-var]
        async for event in events:
            if isinstance(event, Failure) and failures_raise and not parts and not calls:
                raise ReplyFailed(event.error)
            if isinstance(event, Text):
                parts.append(event.text)
            elif isinstance(event, Images):  # a completion has no images field: markdown
                parts.extend(f"![image {i + 1}]({url})\n\n" for i, url in enumerate(event.urls))
            elif isinstance(event, Reasoning):
                thoughts.append(event.text)
            elif isinstance(event, ToolCalls):
                calls += numbered_calls(event.calls, len(calls))
            elif isinstance(event, Finish):
                finish = event
    usage = finish.usage.as_openai() if finish.usage else None
    return openai.completion(
        model,
        "".join(parts),
        finish_reason=finish.reason,
        usage=usage,
        reasoning="".join(thoughts),
        tool_calls=calls,
    )
