"""The fleet against simulated Ollama instances over real HTTP: placement, failover, breaker."""

import asyncio
import time

import pytest

from alphaomega import runtime
from alphaomega.errors import BackendUnavailable, ModelNotFound, StreamInterrupted
from alphaomega.testing.ollama_sim import model_from_spec

from .fleet_sims import (
    SteppedClock,
    _collect,
    chat,
    chat_all,
    served,
    settled,
    sim_fleet,
    warm,
)

A, B = "alpha:7b=5GB", "beta:13b=8GB"


def test_a_model_goes_to_the_only_instance_that_has_it():
    with sim_fleet([[A], [A, B], [A]]) as (fleet, sims):
        assert "w0" in chat(fleet, "beta:13b")
        assert served(sims) == [0, 1, 0]
        assert fleet.is_loaded("beta:13b")  # learned from its own traffic


def test_the_instance_with_the_model_loaded_is_preferred():
    with sim_fleet([[A], [A], [A]]) as (fleet, sims):
        warm(sims[2], "alpha:7b")  # loaded behind the fleet's back, by another client
        runtime.call(fleet.refresh())  # /api/ps shows it
        chat(fleet, "alpha:7b")
        assert served(sims) == [0, 0, 2]
        assert [settled(s).cold_loads for s in sims] == [{}, {}, {"alpha:7b": 1}]


def test_saturated_slots_spread_the_load():
    with sim_fleet([[A], [A], [A]], slots=1, tokens_per_second=400) as (fleet, sims):
        for sim in sims:
            warm(sim, "alpha:7b")
        runtime.call(fleet.refresh())
        results = chat_all(fleet, [("alpha:7b", "reply with 60 words")] * 3)
        assert all(isinstance(r, str) and r.count("w") == 60 for r in results)
        assert [s.stats().max_in_flight for s in sims] == [1, 1, 1]
        assert [s.served for s in fleet.instances] == [1, 1, 1]


@pytest.mark.parametrize("fault", ["error_500", "refuse"])
def test_an_error_before_the_first_token_goes_to_the_next_instance(fault):
    with sim_fleet([[A], [A]]) as (fleet, sims):
        sims[0].fault(fault, count=1)
        assert "w0" in chat(fleet, "alpha:7b")
        assert served(sims) == [0, 1]
        assert sims[0].stats().faults_fired == {fault: 1}
        assert fleet.instances[0].breaker.consecutive == 1


def test_a_hang_before_the_first_token_times_out_and_goes_elsewhere():
    with sim_fleet([[A], [A]], options="first_token_timeout_s=0.5") as (fleet, sims):
        sims[0].fault("hang", count=1)
        started = time.monotonic()
        assert "w0" in chat(fleet, "alpha:7b")
        assert time.monotonic() - started < 5
        assert served(sims) == [0, 1]


def test_a_stream_cut_after_it_began_is_interrupted_with_what_came():
    with sim_fleet([[A]]) as (fleet, sims):
        sims[0].fault("cut_mid_stream", count=1, after_tokens=3)
        with pytest.raises(StreamInterrupted) as cut:
            chat(fleet, "alpha:7b", "reply with 20 words")
        assert cut.value.partial.split() == ["w0", "w1", "w2"]
        assert cut.value.url == sims[0].url


def wait_for(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def test_failures_open_the_breaker_then_a_probe_closes_it():
    # A cool-down no test run outlasts: only the clock's jump below makes it pass.
    options = "refresh_s=0.1;breaker_failures=2;breaker_cooldown_s=600;probe_timeout_s=1"
    clock = SteppedClock()
    with sim_fleet([[A], [A]], options=options, clock=clock) as (fleet, sims):
        for sim in sims:
            warm(sim, "alpha:7b")
        runtime.call(fleet.refresh())
        gpu0 = fleet.instances[0]
        sims[0].fault("error_500")  # every request, until cleared
        for _ in range(2):
            assert "w0" in chat(fleet, "alpha:7b")  # each failed over to gpu1
        assert gpu0.breaker.state(fleet.clock()) == "open"
        assert sims[0].stats().faults_fired == {"error_500": 2}
        chat(fleet, "alpha:7b")  # while open, gpu0 is not even tried
        assert sims[0].stats().faults_fired == {"error_500": 2}
        sims[0].clear_faults()
        assert gpu0.breaker.state(fleet.clock()) == "open"
        clock.advance(600)
        assert gpu0.breaker.state(fleet.clock()) == "half-open"
        before = settled(sims[0]).served
        chat(fleet, "alpha:7b")  # the probe: gpu0 is first in order again
        assert settled(sims[0]).served == before + 1
        assert gpu0.breaker.state(fleet.clock()) == "closed"


def test_a_killed_instance_is_left_out_and_used_again_once_back():
    with sim_fleet([[A], [A]], options="refresh_s=0.05;probe_timeout_s=1") as (fleet, sims):
        gpu0 = fleet.instances[0]
        sims[0].stop()
        wait_for(lambda: gpu0.up is False, "the probe sees gpu0 down")
        assert "w0" in chat(fleet, "alpha:7b")
        assert gpu0.failed == 0  # not tried at all
        sims[0].start()
        wait_for(lambda: gpu0.up is True, "the probe sees gpu0 back")
        warm(sims[0], "alpha:7b")
        runtime.call(fleet.refresh())
        chat(fleet, "alpha:7b")
        assert gpu0.served == 1


def test_same_chat_same_instance_when_nothing_else_differs():
    with sim_fleet([[A], [A]], tokens_per_second=1) as (fleet, sims):
        for sim in sims:
            warm(sim, "alpha:7b")
        runtime.call(fleet.refresh())

        async def busy_then_chat():
            long = asyncio.ensure_future(_collect(fleet, "alpha:7b", "reply with 30 words", None))
            await asyncio.sleep(0.05)  # gpu0 is busy with it: chat-1 lands on gpu1
            await _collect(fleet, "alpha:7b", "hi", "chat-1")
            await long

        runtime.call(busy_then_chat())
        assert [s.served for s in fleet.instances] == [1, 1]
        chat(fleet, "alpha:7b", affinity="chat-1")
        assert [s.served for s in fleet.instances] == [1, 2]
        chat(fleet, "alpha:7b")  # no chat to follow: the configured order
        assert [s.served for s in fleet.instances] == [2, 2]


def test_openai_kind_instances_serve_the_same_way():
    with sim_fleet([[A], [A]], kinds=["openai", "ollama"]) as (fleet, sims):
        assert fleet.instances[0].client.kind == "openai"
        assert "w0" in chat(fleet, "alpha:7b")
        assert served(sims) == [1, 0]


def test_no_instance_with_the_model_is_model_not_found():
    with sim_fleet([[A], [A]]) as (fleet, sims):
        with pytest.raises(ModelNotFound) as missing:
            chat(fleet, "gamma:70b")
        assert missing.value.available == ["alpha:7b"]


def test_every_instance_down_is_unavailable():
    with sim_fleet([[A], [A]]) as (fleet, sims):
        for sim in sims:
            sim.stop()
        runtime.call(fleet.refresh())
        with pytest.raises(BackendUnavailable) as down:
            chat(fleet, "alpha:7b")
        assert sims[0].url in down.value.url and sims[1].url in down.value.url


def test_a_model_pulled_since_the_last_probe_is_found_at_once():
    with sim_fleet([[A], [A]], options="refresh_s=60") as (fleet, sims):
        sims[1].engine.models["gamma:7b"] = model_from_spec("gamma:7b=4GB")  # `ollama pull`
        assert "w0" in chat(fleet, "gamma:7b")
        assert served(sims) == [0, 1]
