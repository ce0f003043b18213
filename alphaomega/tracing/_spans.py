"""A turn as the two OpenTelemetry spans Langfuse reads (no I/O).

The root span is the trace (name, user, session, tags, verdicts as trace metadata, the user's
question in, the reply out); its one child is the generation (model, the messages the model got,
the reply, token usage, completion start time, latency and time to first token as metadata).

The attribute names are the Langfuse SDK's own (``LangfuseOtelSpanAttributes``), the values
encoded as the SDK encodes them: input/output/usage JSON, metadata values JSON-encoded one by one,
the completion start time a JSON-quoted ISO timestamp. Trace-level attributes go on both spans,
as the SDK's ``propagate_attributes`` does, so aggregations by user or session count both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from langfuse import LangfuseOtelSpanAttributes as Attr

from ._turns import TurnRecord

ROOT_SPAN_TYPE = "span"
GENERATION_NAME = "chat-completion"
AttributeValue = str | bool | int | float | tuple[str, ...]


@dataclass(frozen=True)
class SpanSpec:
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, AttributeValue]


def turn_spans(record: TurnRecord, environment: str | None = None) -> tuple[SpanSpec, SpanSpec]:
    """The root span and its generation child for one turn."""
    shared = _trace_attributes(record)
    if environment:
        shared[Attr.ENVIRONMENT] = environment
    root_attributes: dict[str, AttributeValue] = {
        **shared,
        Attr.OBSERVATION_TYPE: ROOT_SPAN_TYPE,
        Attr.OBSERVATION_INPUT: _last_user_text(record),
        Attr.OBSERVATION_OUTPUT: record.output,
        **_metadata(Attr.TRACE_METADATA, _trace_metadata(record)),
    }
    generation_attributes: dict[str, AttributeValue] = {
        **shared,
        Attr.OBSERVATION_TYPE: "generation",
        Attr.OBSERVATION_MODEL: record.generation_model,
        Attr.OBSERVATION_INPUT: _json(record.input_messages),
        Attr.OBSERVATION_OUTPUT: _json({"role": "assistant", "content": record.output}),
        **_metadata(Attr.OBSERVATION_METADATA, _generation_metadata(record)),
    }
    if record.usage:
        generation_attributes[Attr.OBSERVATION_USAGE_DETAILS] = _json(record.usage)
    if record.completion_start_ns is not None:
        generation_attributes[Attr.OBSERVATION_COMPLETION_START_TIME] = _json(
            iso_timestamp(record.completion_start_ns)
        )
    root = SpanSpec(record.name, record.start_ns, record.end_ns, root_attributes)
    generation = SpanSpec(GENERATION_NAME, record.start_ns, record.end_ns, generation_attributes)
    return root, generation


def iso_timestamp(ns: int) -> str:
    moment = datetime.fromtimestamp(ns / 1e9, tz=UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _trace_attributes(record: TurnRecord) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {Attr.TRACE_NAME: record.name}
    if record.user_id:
        attributes[Attr.TRACE_USER_ID] = record.user_id
    if record.session_id:
        attributes[Attr.TRACE_SESSION_ID] = record.session_id
    if record.tags:
        attributes[Attr.TRACE_TAGS] = tuple(record.tags)
    return attributes


def _trace_metadata(record: TurnRecord) -> dict[str, Any]:
    return {
        "chat_id": record.chat_id or None,
        "message_id": record.message_id or None,
        "model": record.model or None,
        **record.verdicts,
    }


def _generation_metadata(record: TurnRecord) -> dict[str, Any]:
    ttft = record.ttft_ms
    return {
        "latency_ms": round(record.latency_ms, 3),
        "ttft_ms": round(ttft, 3) if ttft is not None else None,
        "finish_reason": record.finish_reason,
        "inlet_seen": record.inlet_seen,
    }


def _metadata(prefix: str, values: dict[str, Any]) -> dict[str, AttributeValue]:
    return {f"{prefix}.{key}": _json(value) for key, value in values.items() if value is not None}


def _last_user_text(record: TurnRecord) -> str:
    for message in reversed(record.input_messages):
        if message.get("role") == "user":
            return message.get("content", "")
    return ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
