"""A chat turn from Open WebUI's inlet and outlet bodies to one trace record (pure logic)."""

from __future__ import annotations

import copy

from langfuse import Langfuse

from alphaomega.tracing import _bodies as bodies
from alphaomega.tracing._turns import (
    META_MEMORY,
    META_ROUTE,
    META_SAFETY,
    finish_turn,
    is_sampled,
    outlet_keys,
    start_turn,
    trace_id_for,
    turn_tags,
)

from .owu_bodies import owu_fixture, web_chat_turn

MS = 1_000_000


def api_call_pair():
    """The fixture API call, with the inlet as the last filter sees it: after the earlier
    inlet filter prefixed the question (the outlet shows the prefixed text)."""
    inlet, outlet = owu_fixture("inlet"), owu_fixture("outlet")
    inlet["body"]["messages"][0]["content"] = outlet["body"]["messages"][0]["content"]
    return inlet, outlet


def test_api_call_inlet_and_outlet_meet_and_make_a_deterministic_trace():
    inlet, outlet = api_call_pair()
    start = start_turn(inlet["body"], inlet["user"], 1_000 * MS)

    assert start is not None and start.key in outlet_keys(outlet["body"], outlet["user"])
    record = finish_turn(start, outlet["body"], outlet["user"], 1_250 * MS)

    message_id = outlet["body"]["id"]
    assert record.trace_id == Langfuse.create_trace_id(seed=f":{message_id}")
    assert record.trace_id == trace_id_for("", message_id)
    assert record.session_id is None
    assert record.user_id == inlet["user"]["id"]
    assert record.model == record.generation_model == "demo_manifold.echo"
    assert record.output == outlet["body"]["messages"][-1]["content"]
    assert record.input_messages == [{"role": "user", "content": "[inlet-via-owu] cpu variant"}]
    assert record.finish_reason == "stop"
    assert record.inlet_seen and record.latency_ms == 250.0
    assert record.usage == {} and record.ttft_ms is None


def test_an_outlet_without_its_inlet_is_still_traced_from_its_own_body():
    inlet, outlet = owu_fixture("inlet"), owu_fixture("outlet")
    # The unprefixed question: this inlet ran before another filter changed the text.
    start = start_turn(inlet["body"], inlet["user"], 1_000 * MS)
    assert start.key not in outlet_keys(outlet["body"], outlet["user"])

    record = finish_turn(None, outlet["body"], outlet["user"], 2_000 * MS)

    assert not record.inlet_seen
    assert record.start_ns == record.end_ns == 2_000 * MS
    assert record.input_messages == [{"role": "user", "content": "[inlet-via-owu] cpu variant"}]


def test_web_chat_turn_is_keyed_by_chat_and_message_and_grouped_by_session():
    user, inlet_body, outlet_body = web_chat_turn("chat-1", "msg-1", "hi", "hello")
    start = start_turn(inlet_body, user, 0)

    assert start.key == "chat-1:msg-1" == outlet_keys(outlet_body, user)[0]
    record = finish_turn(start, outlet_body, user, 5 * MS)
    assert record.trace_id == Langfuse.create_trace_id(seed="chat-1:msg-1")
    assert record.session_id == "chat-1"
    assert (record.chat_id, record.message_id) == ("chat-1", "msg-1")


def test_task_requests_are_not_recorded():
    user, inlet_body, _ = web_chat_turn("chat-1", "msg-1", "hi", "hello")
    inlet_body["metadata"]["task"] = "title_generation"

    assert start_turn(inlet_body, user, 0) is None


def test_usage_as_open_webui_stores_it_on_the_answered_message():
    usage = {
        "prompt_tokens": 11,
        "completion_tokens": 22,
        "total_tokens": 33,
        "input_tokens": 11,
        "output_tokens": 22,
        "ttft_ms": 40,
    }
    user, inlet_body, outlet_body = web_chat_turn("c", "m", "q", "a", usage=usage)
    start = start_turn(inlet_body, user, 1_000 * MS)
    record = finish_turn(start, outlet_body, user, 1_500 * MS)

    assert record.usage == {"input": 11, "output": 22, "total": 33}
    assert record.ttft_ms == 40.0
    assert record.completion_start_ns == 1_040 * MS


def test_usage_from_info_and_llama_cpp_timings_and_a_total_made_up():
    answer = {"role": "assistant", "info": {"usage": {"prompt_eval_count": 3, "eval_count": 4}}}
    assert bodies.usage_details(bodies.usage_of(answer, {})) == {
        "input": 3,
        "output": 4,
        "total": 7,
    }

    timed = {"prompt_tokens": 1, "completion_tokens": 2, "prompt_ms": 12.5}
    assert bodies.ttft_ms_of(timed, None) == 12.5
    assert bodies.usage_of({"role": "assistant"}, {"usage": timed}) == timed
    assert bodies.usage_details({"prompt_tokens": True}) == {}


def test_time_to_first_token_never_lands_after_the_end():
    user, inlet_body, outlet_body = web_chat_turn("c", "m", "q", "a", usage={"ttft_ms": 900})
    record = finish_turn(start_turn(inlet_body, user, 0), outlet_body, user, 100 * MS)

    assert record.completion_start_ns == record.end_ns == 100 * MS


def test_verdicts_of_other_filters_become_metadata_tags_and_the_answering_model():
    verdicts = {
        META_ROUTE: {"intent": "code", "confidence": 0.93, "stage": "fast", "reason": "code"},
        META_MEMORY: {"outcome": "ok", "elapsed_ms": 12.5, "hits": [{"id": "1", "score": 0.8}]},
        META_SAFETY: {"stage": "inlet", "action": "redacted", "redactions": {"email": 1}},
    }
    user, inlet_body, outlet_body = web_chat_turn("c", "m", "q", "a", metadata=verdicts)
    record = finish_turn(start_turn(inlet_body, user, 0), outlet_body, user, MS)

    assert record.verdicts == verdicts
    assert record.generation_model == "demo_manifold.echo"
    assert record.tags == [
        "model:demo_manifold.echo",
        "route:code",
        "memory:hit",
        "safety:redacted",
    ]


def test_a_routed_model_is_the_generation_model_and_memory_outcomes_show():
    verdicts = {META_ROUTE: {"model": "qwen2.5-coder:7b", "intent": "code"}}
    user, inlet_body, outlet_body = web_chat_turn("c", "m", "q", "a", metadata=verdicts)
    record = finish_turn(start_turn(inlet_body, user, 0), outlet_body, user, MS)

    assert record.generation_model == "qwen2.5-coder:7b"
    assert "route:qwen2.5-coder:7b" in record.tags
    assert turn_tags("m", {META_MEMORY: {"outcome": "empty", "hits": []}}) == [
        "model:m",
        "memory:miss",
    ]
    assert turn_tags("m", {META_MEMORY: {"outcome": "timeout", "hits": []}}) == [
        "model:m",
        "memory:timeout",
    ]
    assert turn_tags("m", {META_SAFETY: "allowed", META_ROUTE: "llava"}) == [
        "model:m",
        "route:llava",
        "safety:allowed",
    ]


def test_an_outlet_verdict_is_kept_beside_the_inlet_one():
    inlet_verdict = {"stage": "inlet", "action": "allowed"}
    outlet_verdict = {"stage": "outlet", "action": "blocked", "withheld": 1}
    user, inlet_body, outlet_body = web_chat_turn(
        "c", "m", "q", "a", metadata={META_SAFETY: inlet_verdict}
    )
    outlet_body["metadata"] = {META_SAFETY: outlet_verdict}
    record = finish_turn(start_turn(inlet_body, user, 0), outlet_body, user, MS)

    assert record.verdicts == {META_SAFETY: inlet_verdict, f"{META_SAFETY}_outlet": outlet_verdict}
    assert record.tags[-2:] == ["safety:allowed", "safety:blocked"]


def test_messages_are_traced_as_role_and_text_with_images_named_and_long_text_cut():
    messages = [{"role": "system", "content": "s"}] + [
        {"role": "user", "content": f"old {i}"} for i in range(5)
    ]
    messages.append(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "x" * 150},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        }
    )

    traced = bodies.trace_messages(messages, max_chars=100, max_messages=3)

    assert [m["content"] for m in traced[:2]] == ["old 3", "old 4"]
    assert traced[2]["content"] == "x" * 100 + "… [58 more characters]"
    assert "base64" not in str(traced)


def test_the_answered_message_is_found_by_id_not_position():
    _, _, outlet_body = web_chat_turn("c", "m", "q", "a")
    later = {"id": "other", "role": "assistant", "content": "not this one"}
    outlet_body["messages"].append(later)

    assert bodies.answered_message(outlet_body)["content"] == "a"
    assert finish_turn(None, {"messages": [{"role": "user", "content": "q"}]}, None, 0) is None


def test_sampling_is_decided_by_the_trace_id():
    ids = [trace_id_for("chat", str(i)) for i in range(2000)]

    kept = [trace_id for trace_id in ids if is_sampled(trace_id, 0.25)]

    assert 0.2 < len(kept) / len(ids) < 0.3
    assert kept == [trace_id for trace_id in ids if is_sampled(trace_id, 0.25)]
    assert all(is_sampled(trace_id, 1.0) for trace_id in ids)
    assert not any(is_sampled(trace_id, 0.0) for trace_id in ids)


def test_the_bodies_are_only_read():
    inlet, outlet = api_call_pair()
    before = copy.deepcopy((inlet, outlet))

    start = start_turn(inlet["body"], inlet["user"], 0)
    finish_turn(start, outlet["body"], outlet["user"], 1)

    assert (inlet, outlet) == before
