"""A backend stream read by a task of its own, so that a reply can notice the backend going quiet.

Awaiting a stream directly, a reply can learn that nothing came for a while only by cancelling
the wait, and a cancelled wait ends the stream. Here a task reads the stream and hands each item
over; the reply waits with a time limit and, when it passes, gets ``QUIET`` back while the read
goes on: it can say so (a status line), wait again, or give up and close the stream.

A reply waits once per token, so a wait costs no timer of its own: one timer per stream is moved
to the latest deadline only when it fires (as the pack's HTTP connection does with its read
timer), and an item that arrives in time just clears the deadline.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Final, Generic, TypeVar

T = TypeVar("T")

QUIET: Final = object()
"""What ``WatchedStream.next`` returns when nothing came within its time limit."""

_END: Final = object()
# A timer may run up to the loop's clock resolution early: within this, the deadline has come.
_EARLY_S = 0.002


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class WatchedStream(Generic[T]):
    """``await watched.next(within_s)``: the stream's next item, or ``QUIET``; the stream's own
    error is raised, and its end raises ``StopAsyncIteration``. Made on the running loop;
    ``aclose`` stops the read and closes the stream."""

    def __init__(self, stream: AsyncIterator[T]) -> None:
        self._stream = stream
        self._loop = asyncio.get_running_loop()
        self._ready: deque[Any] = deque()
        self._last: Any = None  # the end or the failure, once read: given again to a later call
        self._waiter: asyncio.Future[Any] | None = None
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._reader = self._loop.create_task(self._read())

    async def next(self, within_s: float | None = None) -> T | object:
        if self._ready:
            return self._unwrap(self._ready.popleft())
        if self._last is not None:
            return self._unwrap(self._last)
        waiter = self._waiter = self._loop.create_future()
        if within_s is not None:
            self._arm(self._loop.time() + within_s)
        try:
            return self._unwrap(await waiter)
        finally:
            self._waiter = self._deadline = None

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._reader.done():
            self._reader.cancel()  # the cancellation reaches the stream's pending read
            await asyncio.gather(self._reader, return_exceptions=True)
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()

    async def _read(self) -> None:
        try:
            async for item in self._stream:
                self._hand(item)
        except Exception as exc:  # the reply reads it as the stream's own failure
            self._hand(_Failed(exc))
            return
        self._hand(_END)

    def _hand(self, item: Any) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            self._waiter = None
            waiter.set_result(item)
        else:
            self._ready.append(item)

    def _unwrap(self, item: Any) -> T | object:
        if item is _END:
            self._last = item
            raise StopAsyncIteration
        if isinstance(item, _Failed):
            self._last = item
            raise item.error
        return item

    def _arm(self, deadline: float) -> None:
        self._deadline = deadline
        timer = self._timer
        if timer is None or timer.when() > deadline:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        deadline, waiter = self._deadline, self._waiter
        if deadline is None or waiter is None or waiter.done():
            return  # nobody waits now: the next wait sets a timer again
        if self._loop.time() < deadline - _EARLY_S:  # a later wait moved the deadline
            self._timer = self._loop.call_at(deadline, self._on_timer)
            return
        self._waiter = None
        waiter.set_result(QUIET)
