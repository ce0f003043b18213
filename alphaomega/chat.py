"""A chat turn from request to what the Pipelines server sends, shared by every chat model.

``reply_events`` (async, on the pack's loop) turns a backend stream into events: text, a status
line while the first token is awaited, the finish with usage, and every failure as readable
text. ``respond`` (sync, in the server's worker thread) renders those events as the SSE chunks
or the single completion the server returns. A pipe never raises: the person reads the problem.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from . import openai, runtime
from .errors import AlphaOmegaError, ReplyStalled, StreamInterrupted
from .events import Event, Failure, Finish, Images, Reasoning, Status, Text, ToolCalls
from .fleet import ChatDelta, Usage
from .stream_watch import QUIET, WatchedStream
from .whole import ReplyFailed, numbered_calls, whole_reply

__all__ = [
    "Event",
    "Failure",
    "Finish",
    "Images",
    "QuietRule",
    "Reasoning",
    "ReplyFailed",
    "SSEStream",
    "Status",
    "Text",
    "ToolCalls",
    "collect",
    "error_events",
    "reply_events",
    "respond",
    "text_events",
    "whole_reply",
    "with_preface",
]

log = logging.getLogger(__name__)

STATUS_AFTER_S = 0.25
STALL_TIMEOUT_S = 60.0
STILL_WAITING_AFTER_S = 5.0


StreamFactory = Callable[[], AsyncIterator[ChatDelta]]
T = TypeVar("T")
U = TypeVar("U")


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


class SSEStream:
    """The streamed answer handed to the Pipelines server.

    A plain iterator, not a generator, on purpose: the server appends its own finish chunk
    (without usage) after a generator, but not after an iterator; this one ends with the
    finish chunk carrying usage, then ``[DONE]``. The pack's native path (``alphaomega.host``)
    reads the same answer as ``sse_lines()`` on the loop instead, with no worker thread. Both
    readers get their pieces from one rendering, ``_pieces``: the server's worker thread as
    chunks (it frames them itself), the native path as SSE bytes.
    """

    def __init__(
        self, model: str, events: AsyncIterator[Event], *, include_usage: bool = False
    ) -> None:
        self.model = model
        self.events = events
        self.include_usage = include_usage  # stream_options.include_usage: a usage-only chunk
        self._lines: Iterator[dict[str, Any] | str] | None = None

    def __iter__(self) -> SSEStream:
        return self

    def __next__(self) -> dict[str, Any] | str:
        if self._lines is None:
            self._lines = self._render()
        return next(self._lines)

    def close(self) -> None:
        if self._lines is not None:
            self._lines.close()

    def _render(self) -> Iterator[dict[str, Any] | str]:
        chunks = _Chunks(self.model, self.include_usage)
        try:
            pieces = _pieces(self.events, chunks, str, _as_they_are)
            for batch in runtime.iterate_batches(pieces):
                for piece in coalesce(batch):
                    if type(piece) is str:
                        yield openai.content_chunk(self.model, piece, chunk_id=chunks.chunk_id)
                    else:
                        yield from piece
        except Exception as exc:  # the bridge itself failed: still end the chat readably
            yield chunks.failure(exc)
            yield from chunks.ending()

    def sse_lines(self) -> AsyncIterator[bytes]:
        """The answer as the SSE bytes the server would send, rendered on the running loop; the
        last piece holds the finish chunk and ends with ``SSE_END``."""
        chunks = _Chunks(self.model, self.include_usage)
        return _pieces(self.events, chunks, chunks.content_sse, _sse_bytes)


SSE_END = f"{openai.DONE_LINE}\n\n".encode()
_EMPTY_CONTENT = b'"content":""'


def sse_line(chunk: dict[str, Any] | str) -> str:
    """One SSE event exactly as the Pipelines server frames what a pipe yields."""
    if isinstance(chunk, str):
        return f"{chunk}\n\n"
    return f"data: {orjson.dumps(chunk).decode()}\n\n"


async def _pieces(
    events: AsyncIterator[Event],
    chunks: _Chunks,
    text_piece: Callable[[str], T],
    other_piece: Callable[[list[dict[str, Any] | str]], U],
) -> AsyncIterator[T | U]:
    """The one rendering of a reply, for both readers: each text as ``text_piece`` makes it,
    every other event's chunks through ``other_piece``; the finish chunk once, in one piece
    with ``[DONE]``, even when the events end without one or fail.

    A function, not a method: the pack's loop holds it while it runs, and it must not keep the
    ``SSEStream`` alive, or a reply the server dropped mid-way would never be collected and
    its backend request never closed."""
    tail: list[dict[str, Any] | str] = []  # the finish chunk waits to go out with [DONE]
    try:
        async for event in events:
            if type(event) is Text:  # the hot path: one call per token, nothing else
                yield text_piece(event.text)
                continue
            rendered = list(chunks.of((event,)))
            if chunks.finished:
                tail = rendered
                break
            yield other_piece(rendered)
    except Exception as exc:
        yield other_piece([chunks.failure(exc)])
    finally:  # the person left: closing the events closes the backend's stream too
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
    yield other_piece(tail + list(chunks.ending()))


def _sse_bytes(chunks: list[dict[str, Any] | str]) -> bytes:
    return "".join(sse_line(chunk) for chunk in chunks).encode()


def _as_they_are(chunks: list[dict[str, Any] | str]) -> list[dict[str, Any] | str]:
    return chunks


class _Chunks:
    """Events to OpenAI chunks for one reply: one completion id, the finish chunk sent once."""

    def __init__(self, model: str, include_usage: bool = False) -> None:
        self.model = model
        self.include_usage = include_usage
        self.chunk_id = openai.completion_id(model)
        self.finished = False
        self.calls = 0  # tool calls sent so far: the next one's index
        self._frame: tuple[int, bytes, bytes] | None = None  # (created, before, after the text)

    def content_sse(self, text: str) -> bytes:
        """A content chunk as SSE bytes, the very JSON ``openai.content_chunk`` makes: what
        surrounds the text is rendered once per second (its ``created``), not once per token."""
        frame = self._frame
        if frame is None or frame[0] != int(time.time()):
            chunk = openai.content_chunk(self.model, "", chunk_id=self.chunk_id)
            before, _, after = sse_line(chunk).encode().partition(_EMPTY_CONTENT)
            frame = self._frame = (chunk["created"], before + b'"content":', after)
        return frame[1] + orjson.dumps(text) + frame[2]

    def of(self, events: Iterable[Event]) -> Iterator[dict[str, Any]]:
        for event in events:
            if isinstance(event, Text):
                yield openai.content_chunk(self.model, event.text, chunk_id=self.chunk_id)
            elif isinstance(event, Status):
                hidden = event.done if event.hidden is None else event.hidden
                yield openai.status_event(event.description, done=event.done, hidden=hidden)
            elif isinstance(event, Reasoning):
                yield openai.reasoning_chunk(self.model, event.text, chunk_id=self.chunk_id)
            elif isinstance(event, ToolCalls):
                calls = numbered_calls(event.calls, self.calls)
                self.calls += len(calls)
                yield openai.tool_calls_chunk(self.model, calls, chunk_id=self.chunk_id)
            elif isinstance(event, Images):
                yield openai.images_chunk(self.model, list(event.urls), chunk_id=self.chunk_id)
            elif isinstance(event, Finish):
                usage = event.usage.as_openai() if event.usage else None
                yield openai.final_chunk(
                    self.model, chunk_id=self.chunk_id, finish_reason=event.reason, usage=usage
                )
                if self.include_usage:
                    usage = usage or Usage().as_openai()
                    yield openai.usage_chunk(self.model, usage, chunk_id=self.chunk_id)
                self.finished = True

    def failure(self, exc: Exception) -> dict[str, Any]:
        log.error("stream rendering failed", exc_info=exc)
        return openai.content_chunk(
            self.model, f"\n\n⚠️ AlphaOmega internal error: {exc}", chunk_id=self.chunk_id
        )

    def ending(self) -> Iterator[dict[str, Any] | str]:
        if not self.finished:
            yield openai.final_chunk(self.model, chunk_id=self.chunk_id)
        yield openai.DONE_LINE


def coalesce(pieces: list[Any]) -> list[Any]:
    """Adjacent texts (``str`` pieces) merged into one, so a server that fell behind sends one
    chunk for the tokens that piled up instead of one chunk each; order is kept."""
    merged: list[Any] = []
    for piece in pieces:
        if type(piece) is str and merged and type(merged[-1]) is str:
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


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
