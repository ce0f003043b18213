"""One try of a chat on one instance: open the stream, wait for the first token, then hand the
rest over, keeping the instance's books (in flight, breaker, learned timings) whatever happens.

Before the first token, a failure is returned (not raised) with whether another instance may
take the request; after it, every failure becomes ``StreamInterrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from ..errors import (
    BackendError,
    BackendProtocolError,
    BackendStatusError,
    BackendTimeout,
    ModelNotFound,
    StreamInterrupted,
)
from ._config import FleetSettings
from ._models import ChatDelta, ChatRequest
from ._state import InstanceState, LoadModel

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429})


class FleetBooks(Protocol):
    """What one attempt reads and writes on the fleet (a ``Fleet`` is one), so this module
    needs no import of the fleet that calls it."""

    settings: FleetSettings
    loads: LoadModel
    clock: Callable[[], float]

    def remember_affinity(self, affinity: str | None, state: InstanceState) -> None: ...


@dataclass
class Attempt:
    error: BackendError | None = None
    final: bool = False  # the error is the request's own: another instance would fail alike
    stream: AsyncIterator[ChatDelta] | None = None

    def deltas(self) -> AsyncIterator[ChatDelta]:
        assert self.stream is not None
        return self.stream


def classify(exc: BackendError) -> tuple[bool, bool]:
    """(another instance may take the request, the failure counts against this instance)."""
    if isinstance(exc, ModelNotFound):
        return True, False
    if isinstance(exc, BackendStatusError):
        bad_instance = exc.status >= 500 or exc.status in RETRYABLE_STATUS
        return bad_instance, bad_instance
    return True, True


def book_failure(
    state: InstanceState, model: str, cold: bool, exc: BaseException, now: float
) -> bool:
    """Close the books of a request that failed before it answered; returns whether another
    instance may take it. Anything but a backend error (a cancellation: the caller gave up) is
    not the instance's fault and goes nowhere else."""
    state.end(model, now)
    failover, counts = classify(exc) if isinstance(exc, BackendError) else (False, False)
    if counts:
        state.learn_failure(model, now, cold)
    else:
        state.breaker.on_abandon()
        state.forget_load(model, cold)
    return failover


async def _first_content(stream: AsyncIterator[ChatDelta], budget_s: float, url: str) -> ChatDelta:
    """The first delta that carries text or ends the reply; empty ones show nothing, so a
    failure before it can still go elsewhere unseen."""
    try:
        async with asyncio.timeout(max(budget_s, 0.0)):
            async for delta in stream:
                if delta.shows:
                    return delta
    except TimeoutError:
        raise BackendTimeout(f"no first token within {budget_s:.1f} s", url=url) from None
    raise BackendProtocolError("the reply ended before its first token", url=url)


async def _close(stream: AsyncIterator[ChatDelta]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


async def chat_attempt(
    fleet: FleetBooks,
    state: InstanceState,
    request: ChatRequest,
    deadline: float,
    affinity: str | None,
) -> Attempt:
    model, clock = state.resolve(request.model), fleet.clock
    started = clock()
    cold = state.begin(model, started)
    stream = state.client.chat(request)
    budget = min(fleet.settings.first_token_timeout_s, deadline - started)
    try:
        first = await _first_content(stream, budget, state.url)
    except BaseException as exc:
        await _close(stream)
        failover = book_failure(state, model, cold, exc, clock())
        if not isinstance(exc, BackendError):
            raise
        if isinstance(exc, ModelNotFound):
            state.models.discard(model)
            exc.url, exc.available = state.url, sorted(state.models)
        log.info("%s on %s failed before its first token: %s", model, state.name, exc)
        return Attempt(error=exc, final=not failover)
    first_at = clock()
    load_sample = state.learn_first_token(model, first_at - started, cold)
    if load_sample is not None:
        fleet.loads.learn(state.size_of(model), load_sample)
    fleet.remember_affinity(affinity, state)
    return Attempt(stream=_rest(fleet, state, model, stream, first, first_at))


async def _rest(
    fleet: FleetBooks,
    state: InstanceState,
    model: str,
    stream: AsyncIterator[ChatDelta],
    first: ChatDelta,
    first_at: float,
) -> AsyncIterator[ChatDelta]:
    """The reply from its first token on; the instance's books close when it ends."""
    finished = failed = False
    shown: list[str] = []
    try:
        delta = first
        while True:
            finished = delta.done
            if finished:
                state.learn_done(fleet.clock() - first_at)
            shown.append(delta.content)
            yield delta
            if finished:
                return
            delta = await anext(stream)
    except StopAsyncIteration:
        failed = True
        state.learn_failure(model, fleet.clock(), cold=False)
        raise StreamInterrupted(
            "the stream ended early", url=state.url, partial="".join(shown)
        ) from None
    except BackendError as exc:
        failed = True
        state.learn_failure(model, fleet.clock(), cold=False)
        if isinstance(exc, StreamInterrupted):
            exc.partial = "".join(shown)
            raise
        raise StreamInterrupted(
            exc.args[0] if exc.args else str(exc), url=state.url, partial="".join(shown)
        ) from exc
    finally:
        if not (finished or failed):
            state.breaker.on_abandon()
        state.end(model, fleet.clock())
        await _close(stream)
