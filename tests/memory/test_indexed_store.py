"""The person index in front of mem0's Qdrant store, on real mem0, embedded Qdrant and a real
sentence-transformers model: same answers as Qdrant, in step with every write, rebuilt after a
restart, never past a message's budget while it loads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from alphaomega.memory import MemoryService
from alphaomega.memory import _indexed_store as indexed_store_module
from alphaomega.memory._backend import MemoryBackend
from alphaomega.memory._index import VectorIndex
from alphaomega.memory._indexed_store import IndexedStore

from .conftest import started
from .test_service import QUERIES, facts_of, turn


def qdrant_view(backend: MemoryBackend, user_id: str) -> dict[str, str]:
    """What Qdrant itself holds for this person: point id -> text (no index involved)."""
    from qdrant_client import models

    match = models.Filter(
        must=[models.FieldCondition(key="user_id", match=models.MatchValue(value=user_id))]
    )
    points, _ = backend.client.scroll(
        collection_name=backend.collection, scroll_filter=match, limit=10_000, with_payload=True
    )
    return {str(p.id): p.payload["data"] for p in points}


def index_view(backend: MemoryBackend, user_id: str) -> dict[str, str]:
    person = backend.store.index.get(user_id)
    assert person is not None, f"{user_id}'s index is not loaded"
    return {p.id: p.payload["data"] for p in person.points()}


async def test_the_index_stays_in_step_with_qdrant_through_adds_and_forgets(service):
    backend = service._backend
    assert backend.store is not None
    people = ["ana", "ben"]
    for user_id in people:  # loaded before anything is stored: kept in step by the writes
        assert (await service.lookup(user_id, "anything")).outcome == "ok"
    for person, user_id in enumerate(people):
        for fact in facts_of(person):
            await service.remember(user_id, turn(fact))
    assert await service.flush(60)
    for user_id in people:
        assert index_view(backend, user_id) == qdrant_view(backend, user_id)
        assert len(index_view(backend, user_id)) == 6

    await service.forget("ana", "my dog")
    await service.forget("ben", "quantum chromodynamics")  # nothing matches
    await service.remember("ana", turn("I keep bees in the garden."))
    assert await service.flush(60)
    assert index_view(backend, "ana") == qdrant_view(backend, "ana")
    assert "My dog is called Rex." not in index_view(backend, "ana").values()
    assert "I keep bees in the garden." in index_view(backend, "ana").values()
    assert index_view(backend, "ben") == qdrant_view(backend, "ben")

    assert await service.forget_all("ana") == 6
    assert index_view(backend, "ana") == {} == qdrant_view(backend, "ana")
    assert len(index_view(backend, "ben")) == 6


async def test_the_index_answers_as_qdrants_own_search(settings, local_embedder):
    """The same hits and scores with the index as with every search asked of Qdrant."""
    indexed = await started(MemoryService(settings, embedder=local_embedder))
    try:
        for person, user_id in enumerate(["ana", "ben"]):
            for fact in facts_of(person):
                await indexed.remember(user_id, turn(fact))
        assert await indexed.flush(60)
        with_index = {
            (u, q): await indexed.lookup(u, q, threshold=0.0, top_k=4)
            for u in ("ana", "ben")
            for q in QUERIES
        }
    finally:
        await asyncio.to_thread(indexed.close)
    plain = await started(
        MemoryService(settings.model_copy(update={"search_index_mb": 0}), embedder=local_embedder)
    )
    try:
        assert plain._backend.store is None
        for (user_id, query), found in with_index.items():
            expected = await plain.lookup(user_id, query, threshold=0.0, top_k=4)
            assert [h.id for h in found.hits] == [h.id for h in expected.hits], query
            for got, want in zip(found.hits, expected.hits, strict=True):
                assert got.score == pytest.approx(want.score, abs=1e-4)
    finally:
        await asyncio.to_thread(plain.close)


async def test_a_restart_rebuilds_each_index_from_qdrant(settings, local_embedder):
    first = await started(MemoryService(settings, embedder=local_embedder))
    try:
        for person, user_id in enumerate(["ana", "ben"]):
            for fact in facts_of(person):
                await first.remember(user_id, turn(fact))
        assert await first.flush(60)
    finally:
        await asyncio.to_thread(first.close)

    again = await started(MemoryService(settings, embedder=local_embedder))
    try:
        backend = again._backend
        assert backend.store.index.people() == []  # nothing loaded until someone asks
        found = await again.lookup("ana", "what is my pet called?")
        assert found.outcome == "ok" and found.hits[0].text == "My dog is called Rex."
        assert backend.store.index.people() == ["ana"]
        assert index_view(backend, "ana") == qdrant_view(backend, "ana")
        assert set(index_view(backend, "ana").values()) == set(facts_of(0))
        await again.remember("ben", turn("I keep bees in the garden."))
        assert await again.flush(60)
        assert "I keep bees in the garden." in {h.text for h in await again.list("ben")}
        assert index_view(backend, "ben") == qdrant_view(backend, "ben")
    finally:
        await asyncio.to_thread(again.close)


async def test_an_index_still_loading_costs_a_message_its_memories_not_its_budget(
    service, monkeypatch
):
    await service.remember("ana", turn("My dog is called Rex."))
    assert await service.flush(60)
    store = service._backend.store
    store.index.drop("ana")  # as if dropped for room: the next message reloads it
    release = threading.Event()
    reading = store._read_person

    def slow_read(user_id):
        release.wait(30)
        return reading(user_id)

    monkeypatch.setattr(store, "_read_person", slow_read)
    found = await service.lookup("ana", "what is my dog called?", budget_s=0.2)
    assert found.outcome == "indexing" and found.hits == []
    assert found.elapsed_ms < 5_000
    assert service.stats.search_indexing == 1
    release.set()
    for _ in range(200):
        if store.index.loaded("ana"):
            break
        await asyncio.sleep(0.05)
    found = await service.lookup("ana", "what is my dog called?", budget_s=30)
    assert found.outcome == "ok" and found.hits[0].text == "My dog is called Rex."


async def test_with_a_qdrant_server_an_index_is_read_by_a_filtered_scroll_page_by_page(
    service, monkeypatch
):
    """The path a Qdrant server takes (its payload index serves the filter), paged."""
    for person, user_id in enumerate(["ana", "ben"]):
        for fact in facts_of(person):
            await service.remember(user_id, turn(fact))
    assert await service.flush(60)
    backend = service._backend
    monkeypatch.setattr(indexed_store_module, "SCROLL_PAGE", 4)
    served = IndexedStore(backend.store._inner, VectorIndex(backend.dims, 1 << 30), embedded=False)
    person = served.person("ana")
    assert {p.id: p.payload["data"] for p in person.points()} == qdrant_view(backend, "ana")
    assert (
        served.search("q", backend.embedder.embed("my dog"), 1, {"user_id": "ana"})[0].payload[
            "data"
        ]
        == "My dog is called Rex."
    )
    assert served.person("nobody").points() == []


async def test_growing_the_embedded_store_at_open_leaves_no_point_behind(service):
    from alphaomega.memory._backend import GROWTH_PROBE_ID

    backend = service._backend
    assert backend.client.retrieve(collection_name=backend.collection, ids=[GROWTH_PROBE_ID]) == []
    assert backend.client.count(collection_name=backend.collection, exact=True).count == 0
