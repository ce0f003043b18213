"""A reply's events rendered as what the Pipelines server sends: OpenAI chunks, framed as SSE.

``SSEStream`` is the streamed answer a pipe returns; the server's worker thread reads it as
chunks, the pack's native path (``alphaomega.host``) as SSE bytes on the loop. Both come from
one rendering, ``_pieces``, with ``_Chunks`` making each event's chunks for one completion id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

import orjson

from . import openai, runtime
from .events import Event, Finish, Images, Reasoning, Status, Text, ToolCalls
from .fleet import Usage
from .whole import numbered_calls

__all__ = ["SSE_END", "SSEStream", "coalesce", "sse_line"]

log = logging.getLogger(__name__)

T = TypeVar("T")
U = TypeVar("U")


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
