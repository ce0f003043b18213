"""The OpenTelemetry side: the OTLP/HTTP exporter Langfuse expects, counting what never
arrived, and the trace ids the pack chooses.

Langfuse takes OTLP/HTTP protobuf at ``{base}/api/public/otel/v1/traces``, gzip-compressed, with
Basic auth ``public_key:secret_key`` and ``x-langfuse-ingestion-version: 4`` (real-time
ingestion). The SDK's span processor accepts an exporter of our making; ours is the same
``OTLPSpanExporter`` the SDK would build, wrapped so every span that leaves the batch queue is
counted and every batch that fails is counted as dropped and logged.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Sequence

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator

from .config import TracingConfig
from .drops import DropCounter

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
