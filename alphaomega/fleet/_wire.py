"""What both backend clients do with a response the same way: read a JSON body or raise the
backend's error, keep the text received before a cut, and drain a finished reply."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from ..errors import (
    BackendError,
    BackendProtocolError,
    BackendStatusError,
    FeatureUnsupported,
    ModelNotFound,
    StreamInterrupted,
)
from ..transport import body_complete

DRAIN_S = 0.05  # what a finished reply may still take to end its body
_UNSUPPORTED = re.compile(r"does not support (\w+)")  # Ollama's words for a refused feature


async def drain(response: httpx.Response, pieces: AsyncIterator[Any]) -> None:
    """Read the end of a finished reply (the chunked terminator, sent with the last line), so
    its connection goes back to the pool instead of being closed and opened anew next time.
    ``pieces`` is what reads the body; nothing is read when all of it has arrived already."""
    if body_complete(response):
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(DRAIN_S):
            async for _ in pieces:
                pass


def json_or_raise(response: httpx.Response, url: str, *, model: str = "") -> Any:
    """The body of a good response; an HTTP error translated (404 on a model = ModelNotFound)."""
    if response.status_code >= 400:
        try:
            detail = str(response.json().get("error", ""))
        except (ValueError, AttributeError):
            detail = response.text[:200]
        if response.status_code == 404 and model and "not found" in detail:
            raise ModelNotFound(model, url=url)
        unsupported = _UNSUPPORTED.search(detail)
        if response.status_code == 400 and model and unsupported:
            raise FeatureUnsupported(detail, url=url, model=model, feature=unsupported[1])
        raise BackendStatusError(
            detail or response.reason_phrase, url=url, status=response.status_code
        )
    try:
        return orjson.loads(response.content)  # an embedding is 768+ floats: 8x faster than json
    except ValueError as exc:
        raise BackendProtocolError(f"not JSON: {response.text[:80]!r}", url=url) from exc


def with_partial(exc: BackendError, received: list[str]) -> BackendError:
    if received and not isinstance(exc, ModelNotFound):
        cut = StreamInterrupted(exc.args[0] if exc.args else "cut", url=exc.url)
        cut.partial = "".join(received)
        return cut
    return exc
