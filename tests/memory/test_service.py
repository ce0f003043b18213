"""The memory service on real mem0, an embedded Qdrant and a real sentence-transformers model."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import sys
import threading

import pytest

from alphaomega.errors import BackendUnavailable
from alphaomega.memory import MemoryService

from .conftest import started

# Two people with facts of the same shape, so a leak would be a close semantic match.
FACTS = {
    "dog": ("My dog is called {}.", ["Rex", "Max"]),
    "city": ("I live in {}.", ["Lisbon", "Porto"]),
    "job": ("I work as a {}.", ["nurse", "pilot"]),
    "food": ("My favourite food is {}.", ["sushi", "lasagne"]),
    "sport": ("I play {} on weekends.", ["tennis", "chess"]),
    "child": ("My daughter is named {}.", ["Sofia", "Clara"]),
}
QUERIES = [
    "what is my pet called?",
    "where is my home?",
    "what do I do for a living?",
    "what do I like to eat?",
    "what do I do on saturdays?",
    "who is my daughter?",
]


def facts_of(person: int) -> list[str]:
    return [template.format(values[person]) for template, values in FACTS.values()]


def person_lock_holders(service: MemoryService, user_id: str) -> int:
    """Threads holding or waiting for this person's write lock (the service counts them)."""
    entry = service._person_locks.get(user_id)
    return entry[1] if entry else 0


async def wait_until(condition, timeout_s: float = 30.0) -> None:
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


def turn(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "Noted!"}]


async def test_two_people_never_see_each_others_memories(service):
    """Random interleavings of stores, searches and listings of two people, run concurrently."""
    assert not set(facts_of(0)) & set(facts_of(1))
    service.apply(service.settings.model_copy(update={"max_pending_searches": 100}))
    for seed in range(10):
        rng = random.Random(seed)
        people = [f"alice-{seed}", f"bob-{seed}"]
        told: dict[str, set[str]] = {p: set() for p in people}
        plan: list[tuple[str, str, str]] = []
        for _ in range(12):
            person = rng.randrange(2)
            user_id = people[person]
            if rng.random() < 0.5:
                fact = rng.choice(facts_of(person))
                told[user_id].add(fact)
                plan.append((user_id, "store", fact))
            else:
                action = rng.choice(["search", "search", "list"])
                plan.append((user_id, action, rng.choice(QUERIES)))

        async def run(user_id: str, action: str, text: str) -> tuple[str, set[str]]:
            if action == "store":
                assert await service.remember(user_id, turn(text))
                return user_id, set()
            if action == "list":
                return user_id, {h.text for h in await service.list(user_id)}
            found = await service.lookup(user_id, text, threshold=0.0, top_k=20)
            assert found.outcome == "ok", found
            return user_id, {h.text for h in found.hits}

        seen = await asyncio.gather(*(run(*step) for step in plan))
        for user_id, texts in seen:
            assert texts <= told[user_id], (seed, user_id, texts - told[user_id])
        assert await service.flush(60)
        for user_id in people:
            for query in rng.sample(QUERIES, 3):
                found = await service.lookup(user_id, query, threshold=0.0, top_k=20)
                assert found.outcome == "ok"
                assert {h.text for h in found.hits} <= told[user_id], (seed, user_id, query)
            listed = {h.text for h in await service.list(user_id)}
            assert listed == told[user_id], (seed, user_id)
    assert service.stats.failed == 0 and service.stats.dropped == 0


async def test_a_fact_is_recalled_by_a_paraphrase_at_the_default_settings(service):
    await service.remember("ana", turn("My daughter is named Sofia and she is seven."))
    await service.remember("ana", turn("I drive a red bicycle to work."))
    await service.remember("ben", turn("My daughter is named Clara."))
    assert await service.flush(60)
    found = await service.lookup("ana", "What is my kid called?")
    assert found.outcome == "ok"
    assert [h.text for h in found.hits][:1] == ["My daughter is named Sofia and she is seven."]
    assert all(h.score is not None for h in found.hits)
    assert "My daughter is named Clara." not in {h.text for h in found.hits}
    unrelated = await service.lookup("ana", "Explain the rules of cricket")
    assert "My daughter is named Sofia and she is seven." not in {h.text for h in unrelated.hits}


async def test_the_same_message_twice_is_stored_once(service):
    for _ in range(3):
        await service.remember("ana", turn("I am allergic to peanuts."))
    assert await service.flush(60)
    assert [h.text for h in await service.list("ana")] == ["I am allergic to peanuts."]
    assert service.stats.stored == 1


async def test_forget_removes_matching_memories_of_that_person_only(service):
    for user_id, name in (("ana", "Rex"), ("ben", "Rex")):
        await service.remember(user_id, turn(f"My dog is called {name}."))
        await service.remember(user_id, turn("I live in Lisbon."))
    assert await service.flush(60)
    forgotten = await service.forget("ana", "my dog")
    assert [h.text for h in forgotten] == ["My dog is called Rex."]
    assert [h.text for h in await service.list("ana")] == ["I live in Lisbon."]
    found = await service.lookup("ana", "what is my dog's name?", threshold=0.0)
    assert "My dog is called Rex." not in {h.text for h in found.hits}
    assert {h.text for h in await service.list("ben")} == {
        "My dog is called Rex.",
        "I live in Lisbon.",
    }
    assert await service.forget("ana", "quantum chromodynamics") == []


async def test_forget_by_meaning_when_the_words_differ(service):
    await service.remember("ana", turn("My favourite food is sushi."))
    await service.remember("ana", turn("I work as a nurse."))
    assert await service.flush(60)
    forgotten = await service.forget("ana", "my favorite food is sushi")  # spelled differently
    assert [h.text for h in forgotten] == ["My favourite food is sushi."]
    assert [h.text for h in await service.list("ana")] == ["I work as a nurse."]


async def test_forget_all_also_drops_that_persons_queued_turns(hanging_service, hanging_embedder):
    service = hanging_service
    await service.remember("ben", turn("I play chess on weekends."))
    assert await service.flush(60)
    hanging_embedder.hang.set()
    await service.remember("ana", turn("I live in Porto."))  # the writer takes it and hangs
    assert await asyncio.to_thread(hanging_embedder.entered.wait, 30)
    await service.remember("ana", turn("I work as a pilot."))  # still queued
    await service.remember("ben", turn("I work as a nurse."))
    forgetting = asyncio.ensure_future(service.forget_all("ana"))
    # Two holders of ana's lock, the hanging writer's and the command's: forget_all has reached
    # the lock while the write is in progress, so it could only have finished by passing it.
    await wait_until(lambda: person_lock_holders(service, "ana") == 2)
    assert not forgetting.done()  # it waits for the write in progress...
    hanging_embedder.release()
    # ...then deletes it; the queued one is dropped, or written first and deleted with it
    assert await forgetting in (1, 2)
    assert await service.flush(60)
    assert await service.list("ana") == []
    assert {h.text for h in await service.list("ben")} == {
        "I play chess on weekends.",
        "I work as a nurse.",
    }


async def test_forget_also_reaches_matching_turns_still_queued(hanging_service, hanging_embedder):
    service = hanging_service
    hanging_embedder.hang.set()
    await service.remember("ana", turn("I live in Porto."))
    assert await asyncio.to_thread(hanging_embedder.entered.wait, 30)
    await service.remember("ana", turn("My dog is called Rex."))
    await service.remember("ana", turn("I work as a pilot."))
    await service.remember("ben", turn("My dog is called Max."))
    forgetting = asyncio.ensure_future(service.forget("ana", "dog"))
    await asyncio.sleep(0.2)
    hanging_embedder.release()
    # The dog turn is dropped from the queue, or written first and deleted with the rest.
    assert [h.text for h in await forgetting] in ([], ["My dog is called Rex."])
    await service.remember("ana", turn("My new dog is called Bolt."))  # told after: kept
    assert await service.flush(60)
    assert {h.text for h in await service.list("ana")} == {
        "I live in Porto.",
        "I work as a pilot.",
        "My new dog is called Bolt.",
    }
    assert [h.text for h in await service.list("ben")] == ["My dog is called Max."]


class FakeExtractor:
    """A stand-in for the fleet's LLM that extracts one fact the way mem0 asks for it."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def generate_response(self, messages, response_format=None, **kwargs):
        self.prompts.append("\n".join(m["content"] for m in messages))
        return json.dumps({"memory": [{"text": "Has a cat named Miso"}]})


async def test_infer_stores_the_facts_the_llm_extracts(settings, local_embedder):
    extractor = FakeExtractor()
    service = await started(MemoryService(settings, embedder=local_embedder, llm=extractor))
    try:
        told = turn("btw my cat Miso knocked over my tea")
        assert await service.remember("ana", told, infer=True)
        assert await service.flush(60)
        assert [h.text for h in await service.list("ana")] == ["Has a cat named Miso"]
        assert any("my cat Miso knocked over my tea" in p for p in extractor.prompts)
        assert await service.list("ben") == []
    finally:
        await asyncio.to_thread(service.close)


async def test_a_search_past_its_budget_returns_nothing_and_never_blocks_the_loop(
    hanging_service, hanging_embedder
):
    service = hanging_service
    await service.remember("ana", turn("My dog is called Rex."))
    assert await service.flush(60)
    hanging_embedder.hang.set()
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.05)
    before = ticks
    found = await service.lookup("ana", "what is my dog called?", budget_s=0.5)
    during = ticks - before
    stop.set()
    await ticking
    assert found.hits == [] and found.outcome == "timeout"
    assert during >= 5, f"the loop ticked {during} times while the search waited"
    assert await service.search("ana", "my dog", budget_s=0.05) == []
    assert service.stats.search_timeouts == 2


async def test_stuck_searches_stay_bounded(hanging_service, hanging_embedder):
    service = hanging_service
    limit = service.settings.max_pending_searches
    hanging_embedder.hang.set()
    results = await asyncio.gather(
        *(service.lookup("ana", f"question {n}", budget_s=0.3) for n in range(3 * limit))
    )
    assert all(r.hits == [] for r in results)
    assert {r.outcome for r in results} == {"timeout", "busy"}
    assert service.pending_searches <= limit
    busy = [r for r in results if r.outcome == "busy"]
    assert len(busy) >= 2 * limit
    hanging_embedder.release()
    for _ in range(200):
        if service.pending_searches == 0:
            break
        await asyncio.sleep(0.05)
    assert service.pending_searches == 0
    assert (await service.lookup("ana", "question", budget_s=30)).outcome == "ok"


async def test_a_full_queue_drops_counts_and_logs(settings, hanging_embedder, caplog):
    service = await started(
        MemoryService(settings.model_copy(update={"queue_size": 2}), embedder=hanging_embedder)
    )
    try:
        hanging_embedder.hang.set()
        assert await service.remember("ana", turn("fact one"))
        assert await asyncio.to_thread(hanging_embedder.entered.wait, 30)
        with caplog.at_level(logging.WARNING, logger="alphaomega.memory"):
            accepted = [await service.remember("ana", turn(f"fact {n}")) for n in range(2, 7)]
        assert accepted == [True, True, False, False, False]
        assert service.stats.dropped == 3
        assert sum("store queue full" in r.getMessage() for r in caplog.records) == 1
        hanging_embedder.release()
        assert await service.flush(60)
        assert len(await service.list("ana")) == 3
    finally:
        hanging_embedder.release()
        await asyncio.to_thread(service.close)


async def test_no_person_no_memory(service):
    assert not await service.remember("", turn("I live in Lisbon."))
    assert (await service.lookup("", "where do I live?")).outcome == "empty"
    assert await service.list("") == [] and await service.forget("", "x") == []
    assert await service.forget_all("") == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_qdrant_means_one_log_line_and_no_memories(
    settings, local_embedder, caplog
):
    down = settings.model_copy(update={"qdrant_url": f"http://127.0.0.1:{_closed_port()}"})
    with caplog.at_level(logging.INFO, logger="alphaomega.memory"):
        service = MemoryService(down, embedder=local_embedder)
        service.start()
        try:
            for _ in range(200):
                if service.state == "unavailable":
                    break
                await asyncio.sleep(0.05)
            assert service.state == "unavailable" and not service.available
            found = await service.lookup("ana", "where do I live?")
            assert found.outcome == "unavailable" and found.hits == []
            with pytest.raises(BackendUnavailable):
                await service.list("ana")
            await asyncio.sleep(2.5)  # a retry or two, which must not log again
        finally:
            await asyncio.to_thread(service.close)
    lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]


async def test_mem0_not_installed_means_one_log_line(settings, local_embedder, caplog, monkeypatch):
    monkeypatch.setitem(sys.modules, "mem0", None)  # "import mem0" now raises ImportError
    with caplog.at_level(logging.INFO, logger="alphaomega.memory"):
        service = MemoryService(settings, embedder=local_embedder)
        service.start()
        assert not await service.wait_ready(10)
        assert service.state == "missing"
        assert not await service.remember("ana", turn("I live in Lisbon."))
        assert (await service.lookup("ana", "where?")).outcome == "unavailable"
        await asyncio.to_thread(service.close)
    assert len([r for r in caplog.records if r.name.startswith("alphaomega.memory")]) == 1


async def test_mem0_sends_no_telemetry(service):
    import mem0.memory.main as mem0_main
    import mem0.memory.telemetry as mem0_telemetry

    assert mem0_main.MEM0_TELEMETRY is False and mem0_telemetry.MEM0_TELEMETRY is False


class BlockingExtractor:
    """Extracts the person's own words as a fact; holds any turn that mentions ``slow``."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.holding = threading.Event()

    def generate_response(self, messages, response_format=None, **kwargs):
        prompt = "\n".join(m["content"] for m in messages)
        said = prompt.rsplit("## New Messages", 1)[-1]
        if "slow" in said:
            self.holding.set()
            self.release.wait(30)
        fact = "Rides a slow horse" if "slow" in said else "Plays the fast piano"
        return json.dumps({"memory": [{"text": fact}]})


async def test_a_slow_extraction_for_one_person_does_not_hold_up_another(settings, local_embedder):
    extractor = BlockingExtractor()
    service = await started(
        MemoryService(
            settings.model_copy(update={"store_workers": 2}), embedder=local_embedder, llm=extractor
        )
    )
    try:
        assert await service.remember("ana", turn("I ride a slow horse"), infer=True)
        assert await asyncio.to_thread(extractor.holding.wait, 30)
        assert await service.remember("ben", turn("I play the fast piano"), infer=True)
        for _ in range(400):
            if await service.list("ben"):
                break
            await asyncio.sleep(0.05)
        assert [h.text for h in await service.list("ben")] == ["Plays the fast piano"]
        assert not extractor.release.is_set()  # ana's turn is still being extracted
        extractor.release.set()
        assert await service.flush(60)
        assert [h.text for h in await service.list("ana")] == ["Rides a slow horse"]
    finally:
        extractor.release.set()
        await asyncio.to_thread(service.close)
