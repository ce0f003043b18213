"""The local OTLP receiver, fed by the real OpenTelemetry OTLP/HTTP exporter."""

from __future__ import annotations

import base64
import gzip

import httpx
import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import set_span_in_context

from alphaomega.testing.otlp_receiver import OTLP_PATH, OtlpReceiver, decode_request

PUBLIC, SECRET = "pk-lf-receiver", "sk-lf-receiver-secret"


def make_spans() -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "receiver-test"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("receiver.test", "1.2.3")
    root = tracer.start_span("root", start_time=1_000, attributes={"text": "héllo", "flag": True})
    child = tracer.start_span(
        "child",
        context=set_span_in_context(root),
        start_time=2_000,
        attributes={"count": 7, "ratio": 0.5, "tags": ("a", "b")},
    )
    child.end(end_time=3_000)
    root.end(end_time=4_000)
    provider.shutdown()
    return list(memory.get_finished_spans())


def exporter_for(receiver: OtlpReceiver, secret: str = SECRET, **options) -> OTLPSpanExporter:
    token = base64.b64encode(f"{PUBLIC}:{secret}".encode()).decode()
    return OTLPSpanExporter(
        endpoint=receiver.endpoint,
        headers={"Authorization": f"Basic {token}"},
        compression=Compression.Gzip,
        timeout=options.get("timeout", 5),
    )


@pytest.fixture
def receiver():
    with OtlpReceiver(public_key=PUBLIC, secret_key=SECRET) as running:
        yield running


def test_decodes_gzip_protobuf_into_span_dicts(receiver):
    sent = make_spans()

    assert exporter_for(receiver).export(sent) is SpanExportResult.SUCCESS

    by_name = {span["name"]: span for span in receiver.spans}
    root, child = by_name["root"], by_name["child"]
    expected_trace = format(sent[0].context.trace_id, "032x")
    assert root["trace_id"] == child["trace_id"] == expected_trace
    assert root["parent_span_id"] is None
    assert child["parent_span_id"] == root["span_id"]
    assert (child["start_ns"], child["end_ns"]) == (2_000, 3_000)
    assert root["attributes"] == {"text": "héllo", "flag": True}
    assert child["attributes"] == {"count": 7, "ratio": 0.5, "tags": ["a", "b"]}
    assert root["resource"]["service.name"] == "receiver-test"
    assert root["scope"]["name"] == "receiver.test" and root["scope"]["version"] == "1.2.3"
    assert receiver.requests[0]["content_encoding"] == "gzip"
    assert list(receiver.traces()) == [expected_trace]
    assert [span["name"] for span in receiver.traces()[expected_trace]] == ["root", "child"]


def test_wrong_credentials_are_refused_and_nothing_is_kept(receiver):
    result = exporter_for(receiver, secret="not-the-secret").export(make_spans())

    assert result is SpanExportResult.FAILURE
    assert receiver.spans == []
    assert receiver.requests[0]["status"] == 401


def test_answer_with_an_error_then_recover(receiver):
    exporter = exporter_for(receiver)
    receiver.answer_with(500)
    assert exporter.export(make_spans()) is SpanExportResult.FAILURE
    assert receiver.spans == []

    receiver.answer_with(None)
    assert exporter.export(make_spans()) is SpanExportResult.SUCCESS
    assert len(receiver.spans) == 2


def test_slow_answers_make_a_short_timeout_exporter_give_up(receiver):
    receiver.answer_slowly(1.0)
    result = exporter_for(receiver, timeout=0.3).export(make_spans())

    assert result is SpanExportResult.FAILURE
    receiver.wait_for_arrivals(1)


def test_stop_and_start_serve_on_the_same_port(receiver):
    exporter = exporter_for(receiver)
    port = receiver.port
    receiver.stop()
    assert not receiver.running
    assert exporter_for(receiver, timeout=0.5).export(make_spans()) is SpanExportResult.FAILURE

    receiver.start()
    assert receiver.port == port
    assert exporter.export(make_spans()) is SpanExportResult.SUCCESS
    assert len(receiver.spans) == 2


def test_otlp_json_on_the_default_path_and_garbage_rejected():
    message = ExportTraceServiceRequest()
    message.resource_spans.add().scope_spans.add().spans.add(
        trace_id=bytes(range(16)), span_id=bytes(range(8)), name="json-span"
    )
    with OtlpReceiver() as receiver:
        url = receiver.base_url + OTLP_PATH
        json_body = json_format.MessageToJson(message).encode()
        ok = httpx.post(url, content=json_body, headers={"content-type": "application/json"})
        bad = httpx.post(
            url,
            content=gzip.compress(b"not protobuf at all"),
            headers={"content-type": "application/x-protobuf", "content-encoding": "gzip"},
        )

        assert ok.status_code == 200 and bad.status_code == 400
        assert [span["name"] for span in receiver.spans] == ["json-span"]
        assert receiver.spans[0]["trace_id"] == bytes(range(16)).hex()


def test_decode_request_handles_nested_values():
    message = ExportTraceServiceRequest()
    span = message.resource_spans.add().scope_spans.add().spans.add(name="nested")
    attribute = span.attributes.add(key="kv")
    entry = attribute.value.kvlist_value.values.add(key="inner")
    entry.value.array_value.values.add().int_value = 3
    span.attributes.add(key="raw").value.bytes_value = b"\x00\x01"

    (decoded,) = decode_request(message)

    assert decoded["attributes"] == {"kv": {"inner": [3]}, "raw": b"\x00\x01"}


def test_wait_for_gives_up_with_timeout_error(receiver):
    with pytest.raises(TimeoutError):
        receiver.wait_for(lambda spans: len(spans) > 0, timeout=0.2)
