"""The events of one reply, as every chat model gives them and every reader renders them.

``alphaomega.chat`` makes them from a backend stream and re-exports them (``chat.Text``, ...);
``alphaomega.whole`` gathers them into one completion. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fleet import ToolCall, Usage

__all__ = ["Event", "Failure", "Finish", "Reasoning", "Status", "Text", "ToolCalls"]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Failure(Text):
    """The text of a failure (a ``Text`` to every reader that shows it); ``error`` is what
    failed, so a non-streamed request can answer with the matching HTTP status instead."""

    error: Exception | None = None


@dataclass(frozen=True)
class Reasoning:
    """The model's thinking, shown apart from the answer (never mixed into it)."""

    text: str


@dataclass(frozen=True)
class ToolCalls:
    """Tool calls the model made; the reply then ends with ``finish_reason`` "tool_calls"."""

    calls: tuple[ToolCall, ...]


@dataclass(frozen=True)
class Status:
    description: str
    done: bool = False
    hidden: bool | None = None  # None: hide once done


@dataclass(frozen=True)
class Images:
    """Pictures of the reply, as ``data:`` URLs. Streamed, they travel in the chunk's
    ``delta.images``: Open WebUI 0.12.4 stores each as a file of the chat and shows it under the
    message (after a reload too) instead of keeping megabytes of base64 in the text."""

    urls: tuple[str, ...]


@dataclass(frozen=True)
class Finish:
    reason: str = "stop"
    usage: Usage | None = None


Event = Text | Status | Images | Finish | Reasoning | ToolCalls
