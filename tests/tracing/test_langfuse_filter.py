"""The Langfuse filter file, loaded as the Pipelines server loads it, with Open WebUI's bodies."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import stat

import pytest
from langfuse import Langfuse
from pydantic import ValidationError

from alphaomega.testing.otlp_receiver import OtlpReceiver
from tests.plugin_files import load_plugin_module

from .owu_bodies import PUBLIC_KEY, SECRET_KEY, owu_fixture, wait_until


def load_filter_module():
    return load_plugin_module("filters/langfuse_filter.py")


def update_valves(pipeline, **changes):
    """What the server's POST /{id}/valves/update does: validate the whole form, then keep it."""
    form = {**pipeline.valves.model_dump(), **changes}
    pipeline.valves = type(pipeline.valves)(**form)
    return pipeline.valves


def api_call():
    inlet, outlet = owu_fixture("inlet"), owu_fixture("outlet")
    # Running last on inlet, the filter sees the question as the earlier inlet filter left it.
    inlet["body"]["messages"][0]["content"] = outlet["body"]["messages"][0]["content"]
    return inlet, outlet


@pytest.fixture
async def pipeline(receiver):
    module = load_filter_module()
    instance = module.Pipeline()
    update_valves(
        instance,
        public_key=PUBLIC_KEY,
        secret_key=SECRET_KEY,
        host=receiver.base_url,
        flush_interval_s=0.2,
        export_timeout_s=1.0,
    )
    await instance.on_valves_updated()
    yield instance
    await instance.on_shutdown()


async def run_turn(pipeline, inlet, outlet):
    inlet_body, outlet_body = inlet["body"], outlet["body"]
    inlet_copy, outlet_copy = copy.deepcopy(inlet_body), copy.deepcopy(outlet_body)
    assert await pipeline.inlet(inlet_body, inlet["user"]) is inlet_body
    assert await pipeline.outlet(outlet_body, outlet["user"]) is outlet_body
    assert (inlet_body, outlet_body) == (inlet_copy, outlet_copy)


async def test_open_webui_bodies_pass_unchanged_and_become_one_trace(pipeline, receiver):
    inlet, outlet = api_call()

    await run_turn(pipeline, inlet, outlet)

    spans = receiver.wait_for(lambda spans: len(spans) >= 2 and spans)
    expected = Langfuse.create_trace_id(seed=":" + outlet["body"]["id"])
    assert {span["trace_id"] for span in spans} == {expected}
    assert sorted(span["name"] for span in spans) == ["chat-completion", "chat-turn"]
    assert all(span["attributes"]["user.id"] == inlet["user"]["id"] for span in spans)


async def test_langfuse_down_leaves_chats_untouched_and_logs_the_drops(pipeline, receiver, caplog):
    receiver.stop()
    inlet, outlet = api_call()

    with caplog.at_level(logging.WARNING, logger="alphaomega.tracing"):
        await run_turn(pipeline, inlet, outlet)
        assert pipeline.tracing.tracer.drops.total == 0  # the export is still to come
        await asyncio.to_thread(wait_until, lambda: "Langfuse tracing dropped" in caplog.text)

    assert "Langfuse tracing dropped 2 spans" in caplog.text
    assert pipeline.tracing.tracer.drops.by_reason() == {"export failed": 2}


async def test_a_slow_langfuse_is_not_waited_for(pipeline, receiver):
    receiver.answer_slowly(2.0)
    inlet, outlet = api_call()

    await run_turn(pipeline, inlet, outlet)

    assert receiver.spans == []  # the hooks returned long before Langfuse answered
    receiver.wait_for(lambda spans: len(spans) >= 2)


async def test_the_secret_valve_never_comes_back_in_clear(receiver, tmp_path):
    module = load_filter_module()
    pipeline = module.Pipeline()

    shown = update_valves(
        pipeline, public_key=PUBLIC_KEY, secret_key=SECRET_KEY, host=receiver.base_url
    )
    valves_json = json.dumps(shown.model_dump())  # what GET /{id}/valves and valves.json hold

    assert SECRET_KEY not in valves_json
    assert shown.secret_key == "••••" + SECRET_KEY[-4:]
    stored = tmp_path / "secrets" / "langfuse_secret_key"
    assert json.loads(stored.read_text()) == {"secret": SECRET_KEY, "address": receiver.base_url}
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    # A restart: a fresh module and Pipeline, valves read back from valves.json.
    restarted = load_filter_module().Pipeline()
    restarted.valves = type(restarted.valves)(
        **{**restarted.valves.model_dump(), **json.loads(valves_json)}
    )
    update_valves(restarted, flush_interval_s=0.2)  # the admin form re-sends the mask
    assert json.loads(stored.read_text())["secret"] == SECRET_KEY
    await restarted.on_startup()
    try:
        await run_turn(restarted, *api_call())
        # The receiver checks Basic auth: spans arriving prove the real secret was used.
        receiver.wait_for(lambda spans: len(spans) >= 2)
    finally:
        await restarted.on_shutdown()


async def test_a_secret_from_an_environment_reference(receiver, monkeypatch):
    monkeypatch.setenv("ALPHAOMEGA_SECRET_TEAM_LANGFUSE", SECRET_KEY)
    pipeline = load_filter_module().Pipeline()
    shown = update_valves(
        pipeline,
        public_key=PUBLIC_KEY,
        secret_key="env:ALPHAOMEGA_SECRET_TEAM_LANGFUSE",
        host=receiver.base_url,
        flush_interval_s=0.2,
    )
    assert SECRET_KEY not in json.dumps(shown.model_dump())
    await pipeline.on_valves_updated()
    try:
        await run_turn(pipeline, *api_call())
        receiver.wait_for(lambda spans: len(spans) >= 2)
    finally:
        await pipeline.on_shutdown()


async def test_without_keys_the_filter_passes_through_with_one_log_line(caplog):
    pipeline = load_filter_module().Pipeline()

    with caplog.at_level(logging.DEBUG, logger="alphaomega.tracing"):
        await pipeline.on_startup()
        await pipeline.on_valves_updated()
        await run_turn(pipeline, *api_call())

    off_lines = [r for r in caplog.records if "Langfuse tracing is off" in r.getMessage()]
    assert len(off_lines) == 1
    assert "LANGFUSE_PUBLIC_KEY" in off_lines[0].getMessage()
    # No key at all is a default start: said at DEBUG (serve's start-up block says it is off).
    assert off_lines[0].levelno == logging.DEBUG
    assert pipeline.tracing.tracer is None
    await pipeline.on_shutdown()


async def test_a_host_moved_without_the_secret_does_not_receive_it(pipeline, caplog):
    # An OTLP server elsewhere that accepts the real keys: spans there would mean a leak.
    with OtlpReceiver(public_key=PUBLIC_KEY, secret_key=SECRET_KEY) as elsewhere:
        with caplog.at_level(logging.WARNING, logger="alphaomega.tracing"):
            update_valves(pipeline, host=elsewhere.base_url)  # the mask comes back unchanged
            await pipeline.on_valves_updated()

        assert pipeline.tracing.tracer is None
        assert f"not for {elsewhere.base_url}" in caplog.text

        # Typed in again with the new host, the secret goes there.
        update_valves(pipeline, host=elsewhere.base_url, secret_key=SECRET_KEY)
        await pipeline.on_valves_updated()
        await run_turn(pipeline, *api_call())
        elsewhere.wait_for(lambda spans: len(spans) >= 2)


@pytest.mark.parametrize(
    "name", ["PIPELINES_API_KEY", "ALPHAOMEGA_AGENT_TOKEN", "AWS_SECRET_ACCESS_KEY"]
)
async def test_an_environment_reference_outside_the_allow_list_is_refused(name, monkeypatch):
    monkeypatch.setenv(name, "the-servers-own-key")
    pipeline = load_filter_module().Pipeline()
    before = update_valves(pipeline, public_key=PUBLIC_KEY)

    with pytest.raises(ValidationError) as refused:
        update_valves(pipeline, secret_key=f"env:{name}")

    # The stock server answers str(exc): it names what is allowed instead.
    message = str(refused.value)
    assert f"env:{name} is not allowed" in message
    assert "LANGFUSE_SECRET_KEY" in message and "ALPHAOMEGA_SECRET_<NAME>" in message
    assert pipeline.valves is before


async def test_a_hand_edited_reference_to_the_servers_key_is_not_used(receiver, monkeypatch):
    monkeypatch.setenv("PIPELINES_API_KEY", SECRET_KEY)
    pipeline = load_filter_module().Pipeline()
    # valves.json edited by hand and read without validation.
    pipeline.valves = type(pipeline.valves).model_construct(
        **{
            **pipeline.valves.model_dump(),
            "public_key": PUBLIC_KEY,
            "secret_key": "env:PIPELINES_API_KEY",
            "host": receiver.base_url,
        }
    )
    await pipeline.on_valves_updated()
    assert pipeline.tracing.tracer is None
    await pipeline.on_shutdown()
