"""A chat turn from request to what the Pipelines server sends, shared by every chat model.

``reply_events`` (async, on the pack's loop) turns a backend stream into events: text, a status
line while the first token is awaited, the finish with usage, and every failure as readable
text. ``respond`` (sync, in the server's worker thread) renders those events as the SSE chunks
(``alphaomega.sse``) or the single completion (``alphaomega.whole``) the server returns. A pipe
never raises: the person reads the problem.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from . import runtime
from .errors import AlphaOmegaError, ReplyStalled, StreamInterrupted
from .events import Event, Failure, Finish, Images, Reasoning, Status, Text, ToolCalls
from .fleet import ChatDelta
from .sse import SSE_END, SSEStream, coalesce, sse_line
from .stream_watch import QUIET, WatchedStream
from .whole import ReplyFailed, whole_reply

__all__ = [
    "Event",
    "Failure",
    "Finish",
    "Images",
    "QuietRule",
    "Reasoning",
    "ReplyFailed",
    "SSE_END",
    "SSEStream",
    "Status",
    "Text",
    "ToolCalls",
    "coalesce",
    "collect",
    "error_events",
    "reply_events",
    "respond",
    "sse_line",
    "text_events",
    "whole_reply",
    "with_preface",
]

log = logging.getLogger(__name__)

STATUS_AFTER_S = 0.25
STALL_TIMEOUT_S = 60.0
STILL_WAITING_AFTER_S = 5.0


StreamFactory = Callable[[], AsyncIterator[ChatDelta]]


@dataclass(frozen=True)
class QuietRule:
    """What a reply does when its backend goes quiet after the first token: a status line says
    it is still waiting after a few seconds (half the limit when that is shorter), and after
    ``cut_after_s`` without a token the reply ends with what came and a note. Before the first
    token the fleet's own limits apply."""

    model: str
    cut_after_s: float = STALL_TIMEOUT_S

    @property
    def status_after_s(self) -> float:
        return min(STILL_WAITING_AFTER_S, self.cut_after_s / 2)

    @property
    def waiting_text(self) -> str:
        return f"Still waiting for {self.model}…"


async def reply_events(  # noqa: C901 - one loop: each kind of delta in its order
    open_stream: StreamFactory,
    *,
    waiting_text: str,
    status_after_s: float = STATUS_AFTER_S,
    quiet: QuietRule | None = None,
) -> AsyncIterator[Event]:
    """Events of one reply. ``waiting_text`` is the status shown if the first token is slow;
    ``quiet`` says what happens when the backend stops sending mid-reply (None: wait on)."""
    stream = open_stream()
    watched: WatchedStream[ChatDelta] = WatchedStream(stream)
    shown: str | None = None  # the status line on screen, to be cleared
    got_text = called = False
    try:
        delta = await watched.next(status_after_s)
        if delta is QUIET:
            shown = waiting_text
            yield Status(shown)
            delta = await watched.next()
        while True:
            if shown is not None:
                yield Status(shown, done=True)
                shown = None
            if delta.thinking:  # it comes before the answer's text
                yield Reasoning(delta.thinking)
            if delta.content:
                got_text = True
                yield Text(delta.content)
            if delta.tool_calls:
                called = True
                yield ToolCalls(delta.tool_calls)
            if delta.done:
                yield _finish(delta, called)
                return
            if quiet is None:
                delta = await watched.next()
                continue
            delta = await watched.next(quiet.status_after_s)
            if delta is QUIET:
                shown = quiet.waiting_text
                yield Status(shown)
                delta = await watched.next(quiet.cut_after_s - quiet.status_after_s)
                if delta is QUIET:
                    raise ReplyStalled(quiet.model, quiet.cut_after_s)
    except StopAsyncIteration:
        yield Finish()
    except Exception as exc:  # every failure ends as a readable reply, never a dropped stream
        if shown is not None:
            yield Status(shown, done=True)
        text = ("\n\n" if got_text else "") + "⚠️ " + describe_failure(exc)
        yield Failure(text, error=exc)
        yield Finish()
    finally:
        await watched.aclose()


def _finish(delta: ChatDelta, called: bool) -> Finish:
    return Finish("tool_calls" if called else delta.done_reason or "stop", delta.usage)


def describe_failure(exc: Exception) -> str:
    """The chat text for a failure; unexpected ones are logged with their traceback."""
    if isinstance(exc, StreamInterrupted):
        log.warning("stream cut: %s", exc)
        return exc.user_message()
    if isinstance(exc, AlphaOmegaError):
        log.info("chat failed: %s", exc)
        return exc.user_message()
    log.error("chat failed unexpectedly", exc_info=exc)
    return f"AlphaOmega hit an internal error ({exc.__class__.__name__}: {exc})."


async def text_events(text: str) -> AsyncIterator[Event]:
    """A reply that is one given text (answers the pack makes without a model)."""
    yield Text(text)
    yield Finish()


async def with_preface(status: str, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
    """``events`` after a finished status line that stays visible (e.g. where Auto routed)."""
    yield Status(status, done=True, hidden=False)
    async for event in events:
        yield event


async def error_events(error: AlphaOmegaError) -> AsyncIterator[Event]:
    """A reply that is only the readable text of ``error``."""
    yield Failure(f"⚠️ {error.user_message()}", error=error)
    yield Finish()


def collect(model: str, events: AsyncIterator[Event]) -> dict[str, Any]:
    """The whole reply as one ``chat.completion`` (non-streamed requests, worker thread)."""
    return runtime.call(whole_reply(model, events))


def include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def respond(body: dict[str, Any], model: str, events: AsyncIterator[Event]) -> SSEStream | dict:
    """What a manifold's ``pipe`` returns: SSE chunks when ``body['stream']`` is true, else a
    completion (the OpenAI API's default: ``stream`` absent is a JSON reply)."""
    if body.get("stream") is True:
        return SSEStream(model, events, include_usage=include_usage(body))
    return collect(model, events)
