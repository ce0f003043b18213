"""Reading a stream in a task of its own, so that its reader can notice a silence."""

import asyncio

import pytest

from alphaomega.stream_watch import QUIET, WatchedStream


class Source:
    """A stream fed by the test: ``put`` an item, ``fail`` it, or ``end`` it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.closed = False

    def put(self, item) -> None:
        self.queue.put_nowait(("item", item))

    def fail(self, error: Exception) -> None:
        self.queue.put_nowait(("error", error))

    def end(self) -> None:
        self.queue.put_nowait(("end", None))

    async def stream(self):
        try:
            while True:
                kind, value = await self.queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            self.closed = True


async def test_items_come_in_order_whether_already_read_or_awaited():
    source = Source()
    watched = WatchedStream(source.stream())
    source.put(1)
    source.put(2)
    await asyncio.sleep(0.01)  # both read ahead
    assert await watched.next(1.0) == 1
    assert await watched.next(1.0) == 2
    waiting = asyncio.ensure_future(watched.next(5.0))
    await asyncio.sleep(0.01)
    source.put(3)
    assert await waiting == 3
    source.end()
    with pytest.raises(StopAsyncIteration):
        await watched.next()
    with pytest.raises(StopAsyncIteration):  # and again: the end stays the end
        await watched.next()
    await watched.aclose()
    assert source.closed


async def test_a_silence_returns_quiet_and_the_read_goes_on():
    source = Source()
    watched = WatchedStream(source.stream())
    assert await watched.next(0.05) is QUIET
    assert await watched.next(0.05) is QUIET
    assert not source.closed
    source.put("late")
    assert await watched.next(5.0) == "late"
    await watched.aclose()


def after_every_timer_set_so_far(within_s: float) -> asyncio.Future:
    """Done once the loop has run every timer set, up to now, for ``within_s`` or less after the
    time it was set: a marker timer strictly later than them (the loop runs timers in order)."""
    loop = asyncio.get_running_loop()
    marker = loop.create_future()
    loop.call_at(loop.time() + within_s + 0.001, marker.set_result, None)
    return marker


async def test_a_wait_without_a_limit_waits_past_an_earlier_deadline():
    source = Source()
    watched = WatchedStream(source.stream())
    source.put("a")
    assert await watched.next(0.05) == "a"  # a timer was set for a deadline now gone
    stale_timer_has_run = after_every_timer_set_so_far(within_s=0.05)
    waiting = asyncio.ensure_future(watched.next())
    await stale_timer_has_run
    assert not waiting.done()
    source.put("b")
    assert await waiting == "b"
    await watched.aclose()


async def test_a_later_deadline_is_kept_when_an_earlier_timer_fires():
    source = Source()
    watched = WatchedStream(source.stream())
    source.put("a")
    assert await watched.next(0.05) == "a"
    first_timer_has_run = after_every_timer_set_so_far(within_s=0.05)
    waiting = asyncio.ensure_future(watched.next(1.0))
    await first_timer_has_run
    assert not waiting.done()
    assert await waiting is QUIET
    await watched.aclose()


async def test_the_streams_error_is_raised_to_the_reader():
    source = Source()
    watched = WatchedStream(source.stream())
    source.put("x")
    source.fail(ConnectionError("gone"))
    assert await watched.next() == "x"
    with pytest.raises(ConnectionError, match="gone"):
        await watched.next()
    await watched.aclose()


async def test_closing_stops_a_pending_read_and_closes_the_stream():
    source = Source()
    watched = WatchedStream(source.stream())
    assert await watched.next(0.01) is QUIET
    await watched.aclose()
    assert source.closed
