"""Searches whose query is embedded by a coroutine (the Ollama embedder): no thread for the
embedding, the ranking on the loop unless a write holds the person's index."""

from __future__ import annotations

import asyncio
import threading

import pytest

from alphaomega.memory import MemoryService

from .conftest import started


class AsyncEmbedder:
    """The real sentence-transformers embedder behind the coroutine interface the Ollama one
    offers (``aembed``), counting which interface a search used; it can hang on demand."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dims = inner.dims
        self.async_calls = 0
        self.hang = asyncio.Event()
        self.entered = threading.Event()

    def embed(self, text, memory_action=None):
        return self.inner.embed(text, memory_action)

    def embed_batch(self, texts, memory_action="add"):
        return self.inner.embed_batch(texts, memory_action)

    async def aembed(self, text: str) -> list[float]:
        self.async_calls += 1
        if self.hang.is_set():
            self.entered.set()
            await asyncio.Event().wait()  # an Ollama that never answers
        return await asyncio.to_thread(self.inner.embed, text, "search")


def turn(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "Noted!"}]


@pytest.fixture
async def async_service(settings, local_embedder):
    embedder = AsyncEmbedder(local_embedder)
    svc = await started(MemoryService(settings, embedder=embedder))
    yield svc, embedder
    await asyncio.to_thread(svc.close)


async def test_recall_through_the_coroutine_embedder_keeps_people_apart(async_service):
    service, embedder = async_service
    service.apply(service.settings.model_copy(update={"score_threshold": 0.35}))
    await service.remember("ana", turn("My daughter is named Sofia and she is seven."))
    await service.remember("ben", turn("My daughter is named Clara."))
    assert await service.flush(60)
    before = embedder.async_calls
    for person, name, other in (("ana", "Sofia", "Clara"), ("ben", "Clara", "Sofia")):
        found = await service.lookup(person, "What is my kid called?")
        assert found.outcome == "ok"
        assert found.hits and name in found.hits[0].text
        assert not any(other in hit.text for hit in found.hits)
    assert embedder.async_calls == before + 2  # both queries embedded by the coroutine


class TriedLock:
    """An index's lock that notes each try to take it: ``True`` for a blocking one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tries: list[bool] = []

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.tries.append(blocking)
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> TriedLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


async def test_ranking_waits_in_a_thread_while_a_write_holds_the_index(async_service):
    service, _ = async_service
    await service.remember("ana", turn("My dog is called Rex."))
    assert await service.flush(60)
    assert (await service.lookup("ana", "what is my dog called?")).hits  # index loaded
    person = service._backend.store.index.get("ana")
    assert person is not None
    person._lock = lock = TriedLock()
    with lock:  # a write in progress on this person's index
        lock.tries.clear()
        search = asyncio.ensure_future(service.lookup("ana", "what is my dog called?"))
        # The search has come to the index and waits for it (a blocking try, in a thread: the
        # loop goes on meanwhile); it could only have finished by then without the index.
        for _ in range(1500):
            if True in lock.tries:
                break
            await asyncio.sleep(0.02)
        assert True in lock.tries
        assert not search.done()
    found = await search
    assert found.outcome == "ok" and "Rex" in found.hits[0].text


async def test_a_hanging_embedding_ends_at_the_budget_without_a_thread(async_service):
    service, embedder = async_service
    await service.remember("ana", turn("My dog is called Rex."))
    assert await service.flush(60)
    embedder.hang.set()
    found = await service.lookup("ana", "what is my dog called?", budget_s=0.3)
    assert found.outcome == "timeout" and found.hits == []
    assert embedder.entered.is_set()
    assert service.pending_searches == 0  # the cancelled search released its place
