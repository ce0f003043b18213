"""Embeddings through the fleet: placed by the scheduler, counted, failed over like chats."""

from __future__ import annotations

import asyncio

import pytest

from alphaomega import runtime
from alphaomega.errors import BackendUnavailable

from .fleet_sims import settled, sim_fleet

EMBED, CHAT = "nomic-embed-text:latest=0.3GB", "alpha:7b=5GB"


def embed(fleet, texts, model="nomic-embed-text"):
    return runtime.call(fleet.embed(model, texts))


def test_embeddings_go_to_the_instance_with_the_model_and_are_counted():
    with sim_fleet([[CHAT], [CHAT, EMBED]]) as (fleet, sims):
        vectors = embed(fleet, ["one", "two"])
        assert len(vectors) == 2 and all(len(v) == 768 for v in vectors)
        assert [settled(s).served_by_model.get("nomic-embed-text:latest", 0) for s in sims] == [
            0,
            1,
        ]
        second = fleet.instances[1]
        assert second.served == 1 and second.in_flight == 0
        assert fleet.is_loaded("nomic-embed-text:latest")  # learned from its own traffic
        assert second.breaker.consecutive == 0


@pytest.mark.parametrize("fault", ["error_500", "refuse"])
def test_a_failing_instance_is_counted_and_the_next_one_answers(fault):
    with sim_fleet([[EMBED], [EMBED]]) as (fleet, sims):
        sims[0].fault(fault, count=1, paths=("/api/embed",))
        assert len(embed(fleet, ["hello"])) == 1
        assert sims[0].stats().faults_fired == {fault: 1}
        assert [s.in_flight for s in fleet.instances] == [0, 0]
        assert fleet.instances[0].breaker.consecutive == 1
        assert fleet.instances[1].served == 1


def test_a_cancelled_embedding_leaves_the_books_closed_and_the_breaker_alone():
    with sim_fleet([[EMBED]]) as (fleet, sims):
        sims[0].fault("hang", count=1, paths=("/api/embed",))

        async def cut_short():
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(fleet.embed("nomic-embed-text", ["hello"]), 0.3)

        runtime.call(cut_short())
        state = fleet.instances[0]
        assert state.in_flight == 0 and state.breaker.consecutive == 0


def test_no_instance_with_the_embedding_model_is_unavailable():
    with (
        sim_fleet([[CHAT]]) as (fleet, _),
        pytest.raises(BackendUnavailable, match="no Ollama instance"),
    ):
        embed(fleet, ["hello"])
