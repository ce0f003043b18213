"""A turn record as the Langfuse attributes of two spans, encoded as the SDK encodes them."""

from __future__ import annotations

import json

from langfuse import LangfuseOtelSpanAttributes as Attr

from alphaomega.tracing._spans import iso_timestamp, turn_spans
from alphaomega.tracing._turns import TurnRecord

MS = 1_000_000


def record(**changes) -> TurnRecord:
    values = dict(
        trace_id="ab" * 16,
        chat_id="chat-9",
        message_id="msg-9",
        session_id="chat-9",
        user_id="user-9",
        model="alphaomega_code.qwen",
        generation_model="qwen2.5-coder:7b",
        tags=["model:alphaomega_code.qwen", "safety:allow"],
        input_messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "why?"}],
        output="because",
        finish_reason="stop",
        usage={"input": 5, "output": 2, "total": 7},
        start_ns=1_700_000_000_000 * MS,
        end_ns=1_700_000_000_800 * MS,
        completion_start_ns=1_700_000_000_050 * MS,
        verdicts={"alphaomega_safety": {"verdict": "allow"}},
    )
    values.update(changes)
    return TurnRecord(**values)


def test_root_span_carries_the_trace_and_the_generation_the_model_call():
    root, generation = turn_spans(record(), environment="production")

    assert (root.start_ns, root.end_ns) == (generation.start_ns, generation.end_ns)
    for span in (root, generation):
        assert span.attributes[Attr.TRACE_USER_ID] == "user-9"
        assert span.attributes[Attr.TRACE_SESSION_ID] == "chat-9"
        assert span.attributes[Attr.TRACE_TAGS] == ("model:alphaomega_code.qwen", "safety:allow")
        assert span.attributes[Attr.ENVIRONMENT] == "production"
    assert root.attributes[Attr.OBSERVATION_INPUT] == "why?"
    assert root.attributes[Attr.OBSERVATION_OUTPUT] == "because"
    safety = json.loads(root.attributes[f"{Attr.TRACE_METADATA}.alphaomega_safety"])
    assert safety == {"verdict": "allow"}

    attributes = generation.attributes
    assert attributes[Attr.OBSERVATION_TYPE] == "generation"
    assert attributes[Attr.OBSERVATION_MODEL] == "qwen2.5-coder:7b"
    assert json.loads(attributes[Attr.OBSERVATION_INPUT])[-1] == {"role": "user", "content": "why?"}
    assert json.loads(attributes[Attr.OBSERVATION_USAGE_DETAILS]) == {
        "input": 5,
        "output": 2,
        "total": 7,
    }
    assert json.loads(attributes[Attr.OBSERVATION_COMPLETION_START_TIME]) == iso_timestamp(
        1_700_000_000_050 * MS
    )
    assert json.loads(attributes[f"{Attr.OBSERVATION_METADATA}.latency_ms"]) == 800.0
    assert json.loads(attributes[f"{Attr.OBSERVATION_METADATA}.ttft_ms"]) == 50.0
    assert json.loads(attributes[f"{Attr.OBSERVATION_METADATA}.finish_reason"]) == "stop"


def test_absent_values_leave_no_attribute():
    root, generation = turn_spans(
        record(session_id=None, usage={}, completion_start_ns=None, tags=[], verdicts={})
    )

    assert Attr.TRACE_SESSION_ID not in root.attributes
    assert Attr.TRACE_TAGS not in generation.attributes
    assert Attr.OBSERVATION_USAGE_DETAILS not in generation.attributes
    assert Attr.OBSERVATION_COMPLETION_START_TIME not in generation.attributes
    assert f"{Attr.OBSERVATION_METADATA}.ttft_ms" not in generation.attributes
    assert Attr.ENVIRONMENT not in root.attributes


def test_timestamps_are_utc_iso_with_a_z():
    assert iso_timestamp(1_700_000_000_123_456_000) == "2023-11-14T22:13:20.123456Z"
