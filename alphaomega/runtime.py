"""One event loop per process where every backend I/O of the pack runs.

Why it exists: the Pipelines server calls ``pipe()`` in worker threads and awaits filter hooks on
its own single loop, while an ``httpx.AsyncClient`` belongs to the loop that first used it. The
pack therefore keeps one loop in a daemon thread, holds the shared HTTP client there, and writes
all backend logic once, as coroutines. Callers reach it two ways:

- a worker thread (``pipe``): ``call(coro)`` waits in that thread only; ``iterate(agen)`` turns an
  async generator into a plain iterator, one hop per item;
- a coroutine on another loop (filter hooks): ``await run(coro)`` suspends without blocking it.

Inside the Pipelines server the pack adopts the server's own loop instead (``adopt``, called by
``alphaomega.host`` while the server loads the plugins): filter hooks and natively served chats
then reach backends with no thread hop at all, and worker threads use that loop as they would
the pack's own.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import queue
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Coroutine, Iterator
from typing import Any, TypeVar

import httpx

from .pack import Pack
from .transport import backend_client

log = logging.getLogger(__name__)
T = TypeVar("T")

# The loop, its thread and the shared client belong to the current Pack (``Pack.current()``);
# this flag is the interpreter's own, set once by `alphaomega serve`.
_interpreter_tuned = False  # by `alphaomega serve` only (tune_interpreter)

# Allocations between collections of the youngest generation in a server (default 700).
YOUNG_GC_THRESHOLD = 10_000
DEFAULT_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=128)
SWITCH_INTERVAL_S = 0.001


def loop() -> asyncio.AbstractEventLoop:
    """The pack's loop: the adopted host loop, or its own, started on first use."""
    pack = Pack._current  # the fast path, per chat: two reads and no lock once the loop runs
    if pack is None or pack._closed:
        pack = Pack.current()
    current = pack.loop
    if current is not None and not current.is_closed():
        return current
    return _start_loop(pack)


def _start_loop(pack: Pack) -> asyncio.AbstractEventLoop:
    with pack.runtime_lock:
        current = pack.loop
        if current is None or current.is_closed():
            pack.adopted = False
            ready = threading.Event()
            new_loop = _new_loop()

            def _run() -> None:
                asyncio.set_event_loop(new_loop)
                new_loop.call_soon(ready.set)
                new_loop.run_forever()

            pack.loop_thread = threading.Thread(target=_run, name="alphaomega-io", daemon=True)
            pack.loop_thread.start()
            ready.wait()
            pack.loop = current = new_loop
    return current


def adopt(running: asyncio.AbstractEventLoop) -> bool:
    """Use a host's running loop as the pack's loop; False when the pack's own already runs.

    Only before first use: objects bound to a loop (the HTTP client, the fleet's locks) must not
    move between loops, so a pack that has started its own loop keeps it.
    """
    pack = Pack.current()
    with pack.runtime_lock:
        if pack.loop is running:
            return True
        if pack.loop is not None and not pack.loop.is_closed():
            return False
        pack.loop, pack.adopted, pack.client = running, True, None
    return True


def adopted() -> bool:
    """Whether the pack runs on a host's loop (the Pipelines server's) rather than its own."""
    pack = Pack.current()
    current = pack.loop
    return pack.adopted and current is not None and not current.is_closed()


def tune_interpreter() -> None:
    """The interpreter-wide settings of a server that runs the pack, applied by ``alphaomega
    serve`` once, never by a plugin: a stock server that merely loads the pack keeps its own.

    The pack's background threads (memory writers, mem0, Qdrant) hold the GIL for slices of the
    switch interval, 5 ms by default, while the loop a chat waits on queues for it: shorter
    slices hand it back sooner. ``settle_heap`` acts only once this was called.
    """
    global _interpreter_tuned
    _interpreter_tuned = True
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))


def settle_heap() -> None:
    """In a server (an adopted loop): put every object alive now out of the collector's reach.

    Why: a full garbage collection walks every tracked object, and a Pipelines server with the
    pack, mem0, Qdrant and the tracing SDK loaded holds a great many: measured 90-97 ms per
    full collection, a stall of every chat on the loop, every few seconds under load. What is
    alive once plugins or a backend have loaded stays alive; frozen (``gc.freeze``) it is no
    longer walked. Called when such a load completes. Elsewhere (tests, the CLI, a stock server
    whose interpreter ``alphaomega serve`` did not tune) it does nothing: frozen objects are
    never freed, not even in cycles.

    The youngest generation is also collected less often: 32 chats in flight keep a few
    thousand young objects alive, so with the default threshold (700 allocations) nearly every
    collection walked the live chats only to find them alive (measured ~25 µs per streamed
    chat); what a chat leaves behind is freed by reference counting, not by the collector.
    """
    if adopted() and _interpreter_tuned:
        gc.freeze()
        young, middle, old = gc.get_threshold()
        gc.set_threshold(max(young, YOUNG_GC_THRESHOLD), middle, old)
        log.debug("heap settled: %d objects frozen", gc.get_freeze_count())


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (it roughly halves the loop's own cost per streamed token)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _on_own_loop() -> bool:
    current = Pack.current().loop
    return current is not None and _on_loop(current)


def _on_loop(target: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is target
    except RuntimeError:
        return False


def call(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the pack's loop and wait for it in this (non-loop) thread."""
    if _on_own_loop():
        coro.close()
        raise RuntimeError("runtime.call() from the pack's own loop would deadlock; await it")
    return asyncio.run_coroutine_threadsafe(coro, loop()).result(timeout)


async def run(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` on the pack's loop from any other loop without blocking that loop."""
    if _on_own_loop():
        return await coro
    future = asyncio.run_coroutine_threadsafe(coro, loop())
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.cancel()
        raise


def spawn(coro: Awaitable[Any]) -> None:
    """Start ``coro`` in the background on the pack's loop (fire and forget, errors logged)."""

    async def _guarded() -> None:
        try:
            await coro
        except Exception:
            log.exception("background task failed")

    asyncio.run_coroutine_threadsafe(_guarded(), loop())


def iterate(agen: AsyncIterator[T]) -> Iterator[T]:
    """A plain iterator over an async iterator, which runs ahead on the pack's loop.

    Items are pushed into a thread-safe queue as they come, so each one costs the consuming
    thread a single wake-up, not a round trip to the loop. Closing the iterator (the chat was
    abandoned) cancels the producer, which closes its HTTP response, so the backend stops
    generating for nobody.
    """
    for batch in iterate_batches(agen):
        yield from batch


def iterate_batches(agen: AsyncIterator[T]) -> Iterator[list[T]]:
    """Like ``iterate``, but each step hands over every item that has arrived by then.

    A consumer that falls behind (a busy server) then catches up in one step instead of one
    step per item; one that keeps up gets lists of one, so nothing waits to be batched.
    """
    items: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
    away_since: list[float | None] = [None]  # when the consumer last left with a batch
    producer = asyncio.run_coroutine_threadsafe(_pump(agen, items, away_since), loop())
    try:
        while True:
            batch, ending = _next_batch(items)
            if ending is not None:
                if batch:
                    yield batch
                kind, value = ending
                if kind == _ERROR:
                    raise value
                return
            away_since[0] = time.monotonic()
            yield batch
            away_since[0] = None
    finally:
        if not producer.done():
            producer.cancel()


async def _pump(
    agen: AsyncIterator[T],
    items: queue.SimpleQueue[tuple[int, Any]],
    away_since: list[float | None],
) -> None:
    """Runs ``agen`` on the loop, handing each item (then its end or error) to the consumer."""
    try:
        async for item in agen:
            items.put((_ITEM, item))
            left = away_since[0]
            if left is not None and time.monotonic() - left > STALL_S:
                _collect_abandoned()
        items.put((_END, None))
    except BaseException as exc:  # handed to the consumer, which re-raises it
        items.put((_ERROR, exc))
        if isinstance(exc, asyncio.CancelledError):
            raise
    finally:
        aclose = getattr(agen, "aclose", None)
        if aclose is not None:
            await aclose()


def _next_batch(
    items: queue.SimpleQueue[tuple[int, Any]],
) -> tuple[list[Any], tuple[int, Any] | None]:
    """Every item that has arrived (waiting for the first), and the end or error if it came."""
    batch: list[Any] = []
    kind, value = items.get()
    while True:
        if kind != _ITEM:
            return batch, (kind, value)
        batch.append(value)
        try:
            kind, value = items.get_nowait()
        except queue.Empty:
            return batch, None


# A consumer away this long while items wait may have been dropped without being closed.
STALL_S = 1.0
_next_collection = 0.0


def _collect_abandoned() -> None:
    """Close iterators that were dropped inside a reference cycle.

    The stock Pipelines server drops a reply's iterator when the person leaves mid-reply, but
    inside a cycle (the disconnect's traceback holds it), so it is closed, and the backend
    stopped, only when the garbage collector next looks at young objects: with little
    allocation going on, many seconds later. A consumer away for over ``STALL_S`` while items
    wait asks for that collection now (young generations only: a few milliseconds; at most
    once per ``STALL_S`` in the process). A consumer that is merely slow loses nothing.
    """
    global _next_collection
    now = time.monotonic()
    if now >= _next_collection:
        _next_collection = now + STALL_S
        found = gc.collect(1)
        log.debug("a stalled reply: collected %d young objects", found)


_ITEM, _END, _ERROR = range(3)


def http() -> httpx.AsyncClient:
    """The process-wide HTTP client; use it only from coroutines on the pack's loop."""
    pack = Pack._current  # the fast path, per chat: as in ``loop()``
    if pack is None or pack._closed:
        pack = Pack.current()
    client = pack.client
    if client is None or client.is_closed:
        client = pack.client = backend_client(DEFAULT_LIMITS, httpx.Timeout(30.0))
    return client


async def _close_client(pack: Pack) -> None:
    client, pack.client = pack.client, None
    if client is not None:
        await client.aclose()


def shutdown() -> None:
    """Close the shared client and stop the pack's own loop (tests and process exit); an
    adopted loop belongs to its host and is left running."""
    shutdown_pack(Pack.current())


def shutdown_pack(pack: Pack) -> None:
    """``shutdown`` of a given Pack's runtime (its ``close`` calls this last)."""
    with pack.runtime_lock:
        current, was_adopted = pack.loop, pack.adopted
        pack.loop, pack.adopted = None, False
    if current is None or current.is_closed():
        pack.client = None
        return
    if was_adopted and (not current.is_running() or _on_loop(current)):
        pack.client = None  # its connections go with the host's loop
        return
    try:
        asyncio.run_coroutine_threadsafe(_close_client(pack), current).result(5)
    except Exception:
        log.debug("closing the shared HTTP client failed", exc_info=True)
    if not was_adopted:
        current.call_soon_threadsafe(current.stop)


Pack.on_close("runtime", shutdown_pack)
