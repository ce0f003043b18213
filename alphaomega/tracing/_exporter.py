"""The OpenTelemetry side: the OTLP/HTTP exporter Langfuse expects, counting what never
arrived, the batch processor in front of it, and the trace ids the pack chooses.

Langfuse takes OTLP/HTTP protobuf at ``{base}/api/public/otel/v1/traces``, gzip-compressed, with
Basic auth ``public_key:secret_key`` and ``x-langfuse-ingestion-version: 4`` (real-time
ingestion). Ours is the same ``OTLPSpanExporter`` the Langfuse SDK would build, wrapped so every
span that leaves the batch queue is counted and every batch that fails is counted as dropped and
logged.

The processor: langfuse 5.2.0 keeps its ``LangfuseSpanProcessor`` in a private module
(``langfuse._client.span_processor``, not exported), and its public door, ``Langfuse(
tracer_provider=..., span_exporter=...)``, is a process-wide singleton per public key that a
shutdown does not forget (a tracer re-made for the same project would reuse the closed one) and
starts media and score threads this pack has no use for. What that processor does to the pack's
spans is small, so :class:`LangfuseBatchProcessor` does it with public parts: OpenTelemetry's
``BatchSpanProcessor``, and the app-root attribute name the SDK exports
(``langfuse.LangfuseOtelSpanAttributes``). ``tests/tracing/test_tracer.py`` compares its spans
with the SDK processor's, and fails when a new langfuse treats them differently.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
from collections.abc import Callable, Sequence

from langfuse import LangfuseOtelSpanAttributes
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, Span
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

from ._config import TracingConfig
from ._drops import DropCounter

log = logging.getLogger(__name__)


def langfuse_headers(config: TracingConfig) -> dict[str, str]:
    credentials = f"{config.public_key}:{config.secret_key.get_secret_value()}"
    return {
        "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode("ascii"),
        "x-langfuse-public-key": config.public_key,
        "x-langfuse-sdk-name": "python",
        "x-langfuse-ingestion-version": "4",
    }


def build_otlp_exporter(config: TracingConfig) -> OTLPSpanExporter:
    return OTLPSpanExporter(
        endpoint=config.endpoint,
        headers=langfuse_headers(config),
        timeout=config.export_timeout_s,
        compression=Compression.Gzip,
    )


class CountingExporter(SpanExporter):
    """Passes batches through; counts spans taken off the queue and spans that failed."""

    def __init__(self, inner: SpanExporter, drops: DropCounter) -> None:
        self._inner = inner
        self._drops = drops
        self._changed = threading.Condition()
        self.taken = 0
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        count = len(spans)
        with self._changed:
            self.taken += count
            self._changed.notify_all()
        try:
            result = self._inner.export(spans)
        except Exception as exc:  # an exporter bug must not kill the batch thread
            log.debug("span export raised %s", exc, exc_info=True)
            result = SpanExportResult.FAILURE
        if result is SpanExportResult.SUCCESS:
            with self._changed:
                self.exported += count
        else:
            self._drops.add(count, "export failed")
        return result

    def wait_until_taken(self, at_least: int, timeout: float) -> bool:
        """Wait until ``taken`` reaches ``at_least``; the emitter's backpressure."""
        with self._changed:
            return self._changed.wait_for(lambda: self.taken >= at_least, timeout)

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


class LangfuseBatchProcessor(BatchSpanProcessor):
    """Batches the spans ``should_export`` accepts and marks a root span as the app's root.

    The same batching the Langfuse SDK's processor sets up from ``flush_at`` (batch size),
    ``flush_interval_s`` (delay) and ``timeout_s`` (rounded up to whole seconds, as the SDK does),
    and the same mark it puts on a span that starts a trace.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        *,
        timeout_s: float,
        flush_at: int,
        flush_interval_s: float,
        should_export: Callable[[ReadableSpan], bool],
    ) -> None:
        super().__init__(
            exporter,
            export_timeout_millis=math.ceil(timeout_s) * 1_000,
            max_export_batch_size=flush_at,
            schedule_delay_millis=flush_interval_s * 1_000,
        )
        self._should_export = should_export

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if span.parent is None and self._should_export(span):
            span.set_attribute(LangfuseOtelSpanAttributes.IS_APP_ROOT, True)
        super().on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self._should_export(span):
            super().on_end(span)


class SeededIdGenerator(IdGenerator):
    """Trace ids chosen by the pack.

    A root span takes its trace id from the provider's id generator. Seeding the generator right
    before starting a turn's root span gives the trace the id derived from the chat, while the
    root stays a true root (no invented remote parent). Seeds are per thread, so a span started
    on another thread never takes a seed meant for this one.
    """

    def __init__(self) -> None:
        self._random = RandomIdGenerator()
        self._local = threading.local()

    def seed_next_trace(self, trace_id: int) -> None:
        if not 0 < trace_id < 1 << 128:
            raise ValueError("a trace id is a non-zero 128-bit number")
        self._local.next_trace_id = trace_id

    def generate_trace_id(self) -> int:
        seeded = getattr(self._local, "next_trace_id", None)
        if seeded is not None:
            self._local.next_trace_id = None
            return seeded
        return self._random.generate_trace_id()

    def generate_span_id(self) -> int:
        return self._random.generate_span_id()
