"""Langfuse tracing through the real Pipelines server: the SDK exports to a local OTLP receiver."""

import json
import time

import pytest
from langfuse import Langfuse
from langfuse import LangfuseOtelSpanAttributes as Attr

from alphaomega.testing import OtlpReceiver, PipelinesServer
from alphaomega.testing.owu_flow import OpenWebUIFlow, user_record

CODE = "alphaomega_code.qwen2.5-coder:7b"
PUBLIC, SECRET = "pk-lf-test-public", "sk-lf-test-secret-value"
BOB = user_record("bob")


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver(public_key=PUBLIC, secret_key=SECRET) as running:
        yield running


@pytest.fixture(scope="module")
def traced_server(sim, receiver, tmp_path_factory):
    env = {
        "ALPHAOMEGA_FLEET": sim.url,
        "LANGFUSE_PUBLIC_KEY": PUBLIC,
        "LANGFUSE_SECRET_KEY": SECRET,
        "LANGFUSE_BASE_URL": receiver.base_url,
    }
    with PipelinesServer(tmp_path_factory.mktemp("traced"), env=env) as running:
        valves = running.client.get("/alphaomega_langfuse/valves").json()
        valves["flush_interval_s"] = 0.2
        running.client.post("/alphaomega_langfuse/valves/update", json=valves)
        yield running


def spans_of(receiver, trace_id, count=2, timeout=15.0):
    return receiver.wait_for(
        lambda spans: (
            (found := [s for s in spans if s["trace_id"] == trace_id])
            and len(found) >= count
            and found
        ),
        timeout=timeout,
    )


def test_a_web_chat_turn_becomes_one_trace_with_session_user_model_usage(
    traced_server, sim, receiver
):
    flow = OpenWebUIFlow(traced_server)
    sim.queue_replies('fn main() { println!("hi"); }')
    turn = flow.turn(
        CODE, "hello world in Rust, mail me at bob@corp-mail.eu", user=BOB, chat_id="chat-42"
    )
    trace_id = Langfuse.create_trace_id(seed=f"chat-42:{turn.outlet_body['id']}")
    spans = spans_of(receiver, trace_id)
    root = next(s for s in spans if s["name"] == "chat-turn")
    generation = next(s for s in spans if s["name"] == "chat-completion")
    assert root["attributes"][Attr.TRACE_SESSION_ID] == "chat-42"
    assert root["attributes"][Attr.TRACE_USER_ID] == "bob"
    assert generation["parent_span_id"] == root["span_id"]
    assert generation["attributes"][Attr.OBSERVATION_MODEL] == CODE
    usage = json.loads(generation["attributes"][Attr.OBSERVATION_USAGE_DETAILS])
    assert usage and sum(v for v in usage.values() if isinstance(v, int)) > 0
    assert generation["end_ns"] > generation["start_ns"]
    everything = json.dumps([s["attributes"] for s in spans])
    assert "bob@corp-mail.eu" not in everything, "tracing must see the redacted text"
    assert "route:" in everything  # the routing decision rides along as a tag


def test_two_turns_of_one_chat_share_the_session(traced_server, receiver):
    flow = OpenWebUIFlow(traced_server)
    first = flow.turn(CODE, "one", user=BOB, chat_id="chat-7", stream=False)
    second = flow.turn(CODE, "two", user=BOB, chat_id="chat-7", stream=False)
    ids = [Langfuse.create_trace_id(seed=f"chat-7:{t.outlet_body['id']}") for t in (first, second)]
    assert ids[0] != ids[1]
    for trace_id in ids:
        roots = [s for s in spans_of(receiver, trace_id) if s["name"] == "chat-turn"]
        assert roots[0]["attributes"][Attr.TRACE_SESSION_ID] == "chat-7"


def test_receiver_down_chats_are_still_answered(traced_server, sim, receiver):
    flow = OpenWebUIFlow(traced_server)
    receiver.stop()
    try:
        started = time.monotonic()
        for _ in range(3):
            sim.queue_replies("still answered")
            assert flow.turn(CODE, "ping", user=BOB, stream=False).reply == "still answered"
        assert time.monotonic() - started < 30
    finally:
        receiver.start()


def test_the_secret_never_comes_back_from_the_unauthenticated_valves_get(traced_server):
    valves = traced_server.client.get("/alphaomega_langfuse/valves").json()
    assert SECRET not in json.dumps(valves)
    valves["secret_key"] = "sk-lf-typed-in-the-admin-panel"
    reply = traced_server.client.post("/alphaomega_langfuse/valves/update", json=valves)
    assert "typed-in-the-admin-panel" not in reply.text
    assert (
        "typed-in-the-admin-panel"
        not in traced_server.client.get("/alphaomega_langfuse/valves").text
    )
    stored = list(traced_server.data_dir.rglob("valves.json"))
    assert all("typed-in-the-admin-panel" not in p.read_text() for p in stored)
