"""The tracing service: turns in, Langfuse spans out, in the background, never in a chat's way.

``submit()`` is all a filter hook calls: a ``put_nowait`` on a bounded queue. One daemon thread
takes turns off it and makes the two spans of each (explicit start and end times, the trace id
derived from the chat), handing them to a Langfuse batch processor (``exporter.py``), a
``BatchSpanProcessor`` whose own thread exports them. Where a wait can happen, and where not:

- SDK span creation and ``end()`` are cheap (a deque append), and happen on our thread anyway;
- exports (HTTP, retries up to ``export_timeout_s``) run on the processor's thread;
- ``flush()`` and ``close()`` do wait (the SDK's ``force_flush`` exports synchronously in the
  calling thread and ignores its timeout): call them from a thread, or ``await aflush()`` /
  ``aclose()``, which do that and bound the wait.

Bounded memory: at most ``max_buffer`` turns wait in our queue, and at most a fixed number of
spans in the SDK's queue (we hold back while the exporter is behind, rather than let the SDK drop
spans silently). A turn that finds the queue full and a batch that fails to export are counted
and logged by :class:`~.exporter.DropCounter`.

Why not ``langfuse.Langfuse()``: its client is a process-wide singleton per public key, so a
second client with the same key (the host valve changed; another plugin with the same project)
silently reuses the first one's exporter; and it starts media/score threads and an exit-time
flush this pack does not use. We put the processor the SDK would add (``exporter.py`` says why it
is ours) on a tracer provider of our own, which also keeps the process's global OpenTelemetry
provider untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from ..pack import Pack
from ._config import TracingConfig
from ._drops import DropCounter
from ._turns import TurnRecord, is_sampled

log = logging.getLogger(__name__)

SCOPE_NAME = "alphaomega.tracing"
SPANS_PER_TURN = 2
_STOP = object()
_POLL_S = 0.5


@dataclass
class _FlushRequest:
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


class Tracer:
    """One exporter to one Langfuse project; get it from :func:`acquire_tracer`."""

    def __init__(self, config: TracingConfig) -> None:
        self.config = config
        self.drops = DropCounter(config.base_url)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=config.max_buffer)
        self._closing = threading.Event()
        self._emitted = 0
        self._exporter: Any = None
        self._provider: Any = None
        self._tracer: Any = None
        self._ids: Any = None
        self._in_flight_cap = _in_flight_cap(config.flush_at)
        self._thread = threading.Thread(target=self._run, name="alphaomega-tracing", daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closing.is_set()

    def submit(self, record: TurnRecord) -> bool:
        """Queue a turn for export without ever waiting; ``False`` if it was not queued."""
        if not is_sampled(record.trace_id, self.config.sample_rate):
            return False
        if self._closing.is_set():
            self.drops.add(SPANS_PER_TURN, "tracer closed")
            return False
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.drops.add(SPANS_PER_TURN, "buffer full")
            return False
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Export everything submitted so far; blocks up to ``timeout`` (not on an event loop)."""
        if self._closing.is_set():
            return False
        request = _FlushRequest()
        try:
            self._queue.put(request, timeout=timeout)
        except queue.Full:
            return False
        return request.done.wait(timeout) and request.ok

    async def aflush(self, wait_s: float = 10.0) -> bool:
        return await asyncio.to_thread(self.flush, wait_s)

    def close(self, timeout: float = 5.0) -> None:
        """Export what is queued, within ``timeout``, then stop; what is left is counted."""
        self._closing.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_STOP)
        self._thread.join(timeout)

    async def aclose(self, wait_s: float = 5.0) -> None:
        await asyncio.to_thread(self.close, wait_s)

    def stats(self) -> dict[str, int]:
        exporter = self._exporter
        return {
            "queued": self._queue.qsize(),
            "emitted": self._emitted,
            "taken": exporter.taken if exporter else 0,
            "exported": exporter.exported if exporter else 0,
            "dropped": self.drops.total,
        }

    # -- the tracing thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._start_sdk()
        except Exception as exc:
            log.warning("Langfuse tracing is off: the SDK did not start (%s)", exc)
            self._closing.set()
        try:
            while True:
                try:
                    item = self._queue.get(timeout=_POLL_S)
                except queue.Empty:
                    if self._closing.is_set():
                        break
                    continue
                if item is _STOP:
                    break
                if isinstance(item, _FlushRequest):
                    self._flush_sdk(item)
                elif self._tracer is None:
                    self.drops.add(SPANS_PER_TURN, "SDK unavailable")
                else:
                    self._emit(item)
        except Exception:
            log.exception("the Langfuse tracing thread failed; tracing stops")
        finally:
            self._finish()

    def _start_sdk(self) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        from ._exporter import (
            CountingExporter,
            LangfuseBatchProcessor,
            SeededIdGenerator,
            build_otlp_exporter,
        )

        config = self.config
        self._exporter = CountingExporter(build_otlp_exporter(config), self.drops)
        processor = LangfuseBatchProcessor(
            self._exporter,
            timeout_s=config.export_timeout_s,
            flush_at=config.flush_at,
            flush_interval_s=config.flush_interval_s,
            should_export=_is_pack_span,
        )
        resource = {"service.name": "alphaomega"}
        if config.environment:
            resource["langfuse.environment"] = config.environment
        self._ids = SeededIdGenerator()
        self._provider = TracerProvider(
            resource=Resource.create(resource), id_generator=self._ids, shutdown_on_exit=False
        )
        self._provider.add_span_processor(processor)
        self._tracer = self._provider.get_tracer(SCOPE_NAME)

    def _emit(self, record: TurnRecord) -> None:
        from opentelemetry.context import Context
        from opentelemetry.trace import set_span_in_context

        from ._spans import turn_spans

        assert self._exporter is not None
        needed = self._emitted + SPANS_PER_TURN - self._in_flight_cap
        while self._exporter.taken < needed:
            if self._closing.is_set():
                self.drops.add(SPANS_PER_TURN, "shutdown")
                return
            self._exporter.wait_until_taken(needed, _POLL_S)
        root_spec, generation_spec = turn_spans(record, self.config.environment)
        self._ids.seed_next_trace(int(record.trace_id, 16))
        root = self._tracer.start_span(
            root_spec.name,
            context=Context(),
            start_time=root_spec.start_ns,
            attributes=root_spec.attributes,
        )
        generation = self._tracer.start_span(
            generation_spec.name,
            context=set_span_in_context(root),
            start_time=generation_spec.start_ns,
            attributes=generation_spec.attributes,
        )
        generation.end(end_time=generation_spec.end_ns)
        root.end(end_time=root_spec.end_ns)
        self._emitted += SPANS_PER_TURN

    def _flush_sdk(self, request: _FlushRequest) -> None:
        try:
            if self._provider is not None:
                self._provider.force_flush()
            taken = self._exporter.taken if self._exporter else 0
            request.ok = taken >= self._emitted
        finally:
            request.done.set()

    def _finish(self) -> None:
        self._closing.set()
        if self._provider is not None:
            try:
                self._provider.shutdown()
            except Exception:
                log.debug("shutting the tracer provider down failed", exc_info=True)
        taken = self._exporter.taken if self._exporter else 0
        self.drops.add(self._emitted - taken, "shutdown")
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _FlushRequest):
                item.done.set()
            elif item is not _STOP:
                self.drops.add(SPANS_PER_TURN, "shutdown")
        self.drops.report()


def _is_pack_span(span: Any) -> bool:
    scope = getattr(span, "instrumentation_scope", None)
    return scope is not None and scope.name == SCOPE_NAME


def _in_flight_cap(flush_at: int) -> int:
    """Spans we let sit in the SDK's queue: room for two batches, under the queue's size."""
    try:
        sdk_queue = int(os.environ.get("OTEL_BSP_MAX_QUEUE_SIZE", "2048"))
    except ValueError:
        sdk_queue = 2048
    return max(SPANS_PER_TURN, min(max(2 * flush_at, 256), sdk_queue - SPANS_PER_TURN))


def acquire_tracer(config: TracingConfig) -> Tracer:
    """The process's tracer for this config (shared, counted); pair with :func:`release_tracer`.

    The current Pack holds it and, at exit, flushes and closes it.
    """
    pack = Pack.current()
    key = config.identity()
    with pack.tracer_lock:
        tracer, users = pack.tracers.get(key, (None, 0))
        if tracer is None or tracer.closed:
            tracer, users = Tracer(config), 0
        pack.tracers[key] = (tracer, users + 1)
        return tracer


def release_tracer(tracer: Tracer, wait: float = 0.0) -> None:
    """Drop one use; the last one closes it, in a thread of its own unless ``wait`` is given."""
    pack = Pack.current()
    key = tracer.config.identity()
    with pack.tracer_lock:
        current, users = pack.tracers.get(key, (None, 0))
        if current is tracer and users > 1:
            pack.tracers[key] = (tracer, users - 1)
            return
        if current is tracer:
            del pack.tracers[key]
    closer = threading.Thread(target=tracer.close, name="alphaomega-tracing-close", daemon=True)
    closer.start()
    if wait > 0:
        closer.join(wait)


def _close_tracers(pack: Pack) -> None:
    with pack.tracer_lock:
        tracers = [entry[0] for entry in pack.tracers.values()]
        pack.tracers.clear()
    for tracer in tracers:
        tracer.close(2.0)


Pack.on_close("tracers", _close_tracers)
