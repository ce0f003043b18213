"""The tracer: the real Langfuse SDK exporting turns to a local OTLP receiver."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import langfuse
import pytest
from langfuse import Langfuse
from langfuse import LangfuseOtelSpanAttributes as Attr
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import set_span_in_context

import alphaomega
from alphaomega.tracing import acquire_tracer, release_tracer, resolve_config
from alphaomega.tracing._exporter import LangfuseBatchProcessor
from alphaomega.tracing._tracer import SCOPE_NAME, SPANS_PER_TURN, Tracer, _is_pack_span
from alphaomega.tracing._turns import finish_turn, start_turn

from .owu_bodies import PUBLIC_KEY, SECRET_KEY, wait_until, web_chat_turn

MS = 1_000_000
PRIVATE_LANGFUSE_IMPORT = re.compile(r"^\s*(from|import)\s+langfuse\._", re.MULTILINE)


def config_for(receiver, **tuning):
    settings = {"flush_interval_s": 0.2, "export_timeout_s": 1.0, **tuning}
    return resolve_config(
        public_key=PUBLIC_KEY, secret_key=SECRET_KEY, base_url=receiver.base_url, **settings
    )


@pytest.fixture
def make_tracer():
    made = []

    def make(config):
        made.append(Tracer(config))
        return made[-1]

    yield make
    for tracer in made:
        tracer.close(5)


def chat_record(chat_id, message_id, *, start_ms=1_000, end_ms=1_900, usage=None, metadata=None):
    user, inlet_body, outlet_body = web_chat_turn(
        chat_id,
        message_id,
        f"question {message_id}",
        f"answer {message_id}",
        usage=usage,
        metadata=metadata,
    )
    start = start_turn(inlet_body, user, start_ms * MS)
    return finish_turn(start, outlet_body, user, end_ms * MS)


def test_one_turn_is_one_trace_with_one_generation(receiver, make_tracer):
    tracer = make_tracer(config_for(receiver))
    usage = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42, "ttft_ms": 120}
    route = {"model": "qwen2.5:7b", "reason": "general"}
    record = chat_record("chat-a", "msg-a", usage=usage, metadata={"alphaomega_route": route})

    assert tracer.submit(record)
    spans = receiver.wait_for(lambda spans: len(spans) >= 2 and spans)

    expected_trace = Langfuse.create_trace_id(seed="chat-a:msg-a")
    assert {span["trace_id"] for span in spans} == {expected_trace}
    (root,) = [span for span in spans if span["parent_span_id"] is None]
    (generation,) = [span for span in spans if span["parent_span_id"] == root["span_id"]]
    assert root["name"] == "chat-turn" and generation["name"] == "chat-completion"
    assert (root["start_ns"], root["end_ns"]) == (1_000 * MS, 1_900 * MS)
    assert (generation["start_ns"], generation["end_ns"]) == (1_000 * MS, 1_900 * MS)
    for span in (root, generation):
        assert span["attributes"][Attr.TRACE_SESSION_ID] == "chat-a"
        assert span["attributes"][Attr.TRACE_USER_ID] == record.user_id
        assert span["attributes"][Attr.TRACE_TAGS] == [
            "model:demo_manifold.echo",
            "route:qwen2.5:7b",
        ]
    assert json.loads(root["attributes"][f"{Attr.TRACE_METADATA}.alphaomega_route"]) == route
    attributes = generation["attributes"]
    assert attributes[Attr.OBSERVATION_TYPE] == "generation"
    assert attributes[Attr.OBSERVATION_MODEL] == "qwen2.5:7b"
    assert json.loads(attributes[Attr.OBSERVATION_USAGE_DETAILS]) == {
        "input": 12,
        "output": 30,
        "total": 42,
    }
    assert json.loads(attributes[f"{Attr.OBSERVATION_METADATA}.latency_ms"]) == 900.0
    assert json.loads(attributes[f"{Attr.OBSERVATION_METADATA}.ttft_ms"]) == 120.0
    assert json.loads(attributes[Attr.OBSERVATION_COMPLETION_START_TIME]).endswith("Z")
    assert json.loads(attributes[Attr.OBSERVATION_OUTPUT])["content"] == "answer msg-a"
    request = receiver.requests[0]
    assert request["content_encoding"] == "gzip"
    assert request["headers"]["x-langfuse-ingestion-version"] == "4"


def test_two_turns_of_one_chat_are_two_traces_of_one_session(receiver, make_tracer):
    tracer = make_tracer(config_for(receiver))
    tracer.submit(chat_record("chat-b", "msg-1", start_ms=1_000, end_ms=1_500))
    tracer.submit(chat_record("chat-b", "msg-2", start_ms=2_000, end_ms=2_700))

    receiver.wait_for(lambda spans: len(spans) >= 4)
    traces = receiver.traces()

    assert set(traces) == {
        Langfuse.create_trace_id(seed="chat-b:msg-1"),
        Langfuse.create_trace_id(seed="chat-b:msg-2"),
    }
    for spans in traces.values():
        assert len(spans) == 2
        assert {span["attributes"][Attr.TRACE_SESSION_ID] for span in spans} == {"chat-b"}


def test_unsampled_turns_are_not_sent(receiver, make_tracer):
    tracer = make_tracer(config_for(receiver, sample_rate=0.0))

    assert not tracer.submit(chat_record("chat-c", "msg-1"))
    assert tracer.flush(10)
    assert receiver.spans == [] and tracer.drops.total == 0


def test_langfuse_down_drops_and_logs_instead_of_waiting(receiver, make_tracer, caplog):
    tracer = make_tracer(config_for(receiver))
    receiver.stop()

    with caplog.at_level(logging.WARNING, logger="alphaomega.tracing"):
        assert tracer.submit(chat_record("chat-d", "msg-1"))
        assert tracer.drops.total == 0  # queued: the export has not even been tried yet
        wait_until(lambda: tracer.drops.total >= SPANS_PER_TURN)

    assert tracer.drops.by_reason() == {"export failed": SPANS_PER_TURN}
    assert "Langfuse tracing dropped 2 spans" in caplog.text

    receiver.start()
    tracer.submit(chat_record("chat-d", "msg-2"))
    spans = receiver.wait_for(lambda spans: len(spans) >= 2 and spans)
    assert {span["trace_id"] for span in spans} == {Langfuse.create_trace_id(seed="chat-d:msg-2")}


def test_a_full_buffer_drops_new_turns_and_counts_them(receiver, make_tracer):
    # Exports only on flush, to a receiver that holds its answer: the tracing thread is busy
    # inside that flush while more turns arrive than the buffer holds.
    config = config_for(receiver, max_buffer=2, flush_interval_s=60, export_timeout_s=5)
    tracer = make_tracer(config)
    receiver.answer_slowly(1.5)
    tracer.submit(chat_record("chat-e", "msg-0"))
    flushing = threading.Thread(target=tracer.flush, args=(10,))
    flushing.start()
    receiver.wait_for_arrivals(1)

    accepted = [tracer.submit(chat_record("chat-e", f"msg-{i}")) for i in range(1, 6)]

    assert accepted == [True, True, False, False, False]
    assert tracer.drops.by_reason() == {"buffer full": 3 * SPANS_PER_TURN}
    flushing.join()
    receiver.answer_slowly(0)
    assert tracer.flush(10)
    receiver.wait_for(lambda spans: len(spans) >= 3 * SPANS_PER_TURN)


def test_one_tracer_per_config_shared_until_the_last_user_releases_it(receiver):
    config = config_for(receiver)
    first = acquire_tracer(config)
    second = acquire_tracer(config_for(receiver))
    other = acquire_tracer(config_for(receiver, sample_rate=0.5))

    assert first is second and other is not first
    release_tracer(first)
    assert not first.closed
    release_tracer(second, wait=5)
    release_tracer(other, wait=5)
    assert first.closed and other.closed
    assert acquire_tracer(config) is not first
    release_tracer(acquire_tracer(config), wait=5)


def test_the_root_span_alone_is_marked_as_the_app_root(receiver, make_tracer):
    tracer = make_tracer(config_for(receiver))
    assert tracer.submit(chat_record("chat-r", "msg-r"))
    spans = receiver.wait_for(lambda spans: len(spans) >= 2 and spans)

    marks = {span["name"]: span["attributes"].get(Attr.IS_APP_ROOT) for span in spans}
    assert marks == {"chat-turn": True, "chat-completion": None}


def test_the_pack_imports_no_private_langfuse_module():
    package = Path(alphaomega.__file__).parent
    private = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if PRIVATE_LANGFUSE_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert private == []


def _spans_through(processor):
    exported = InMemorySpanExporter()
    processor = processor(exported)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    tracer = provider.get_tracer(SCOPE_NAME)
    root = tracer.start_span("chat-turn", context=Context(), attributes={"k": "v"})
    child = tracer.start_span("chat-completion", context=set_span_in_context(root))
    child.end()
    root.end()
    foreign = provider.get_tracer("someone.else").start_span("foreign", context=Context())
    foreign.end()
    provider.force_flush()
    provider.shutdown()
    return {span.name: dict(span.attributes or {}) for span in exported.get_finished_spans()}


def test_the_batch_processor_treats_spans_as_the_langfuse_sdk_processor_does():
    try:
        # Only this check reads the SDK's private module: the pack mirrors what it does.
        from langfuse._client.span_processor import LangfuseSpanProcessor
    except ImportError as exc:
        pytest.fail(
            f"langfuse {langfuse.__version__} moved its span processor ({exc}): re-check what it "
            "does to a span (alphaomega/tracing/_exporter.py, LangfuseBatchProcessor) and point "
            "this comparison at its new home"
        )

    def sdk(exporter):
        return LangfuseSpanProcessor(
            public_key=PUBLIC_KEY,
            secret_key=SECRET_KEY,
            base_url="http://127.0.0.1:9",
            timeout=1,
            flush_at=8,
            flush_interval=0.2,
            should_export_span=_is_pack_span,
            span_exporter=exporter,
        )

    def ours(exporter):
        return LangfuseBatchProcessor(
            exporter, timeout_s=1, flush_at=8, flush_interval_s=0.2, should_export=_is_pack_span
        )

    expected = _spans_through(sdk)
    assert set(expected) == {"chat-turn", "chat-completion"}
    assert _spans_through(ours) == expected, (
        f"langfuse {langfuse.__version__} marks or filters spans differently from the pack's "
        "LangfuseBatchProcessor (alphaomega/tracing/_exporter.py): bring it in line"
    )
