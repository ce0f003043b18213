"""Embeddings and fact extraction through the fleet, on the Ollama simulator's wire protocol."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from alphaomega.errors import BackendError
from alphaomega.fleet import Fleet, parse_fleet, set_fleet
from alphaomega.memory import MemoryService, MemorySettings
from alphaomega.memory._adapters import FleetExtractionLLM, OllamaEmbedder
from alphaomega.testing import OllamaSim

from .conftest import started

EXTRACTED = json.dumps({"memory": [{"text": "Has a cat named Miso"}]})


@pytest.fixture
def gpu():
    """One simulated Ollama with an embedding model and a chat model."""
    with OllamaSim(models=["nomic-embed-text", "llama3.1:8b"], time_scale=0.001) as running:
        yield running


@pytest.fixture
def fleet(gpu, pack):
    fleet = Fleet(parse_fleet(gpu.url, "refresh_s=0.5;probe_timeout_s=1"))
    set_fleet(fleet)
    return fleet  # the test's own Pack closes it


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_embeddings_from_one_ollama_url(gpu):
    embedder = OllamaEmbedder("nomic-embed-text", gpu.url)
    assert embedder.probe_dims() == 768
    vectors = embedder.embed_batch(["one", "two", "three"])
    assert len(vectors) == 3 and all(len(v) == 768 for v in vectors)
    assert embedder.embed("one") == vectors[0]
    assert embedder.embed_batch([]) == []


def test_embeddings_through_the_fleet(fleet):
    embedder = OllamaEmbedder("nomic-embed-text")  # no tag: ':latest', as Ollama reads it
    assert len(embedder.embed("hello")) == 768


def test_an_unreachable_ollama_is_a_backend_error():
    embedder = OllamaEmbedder(
        "nomic-embed-text", f"http://127.0.0.1:{_closed_port()}", timeout_s=10
    )
    with pytest.raises(BackendError):
        embedder.embed("hello")


def test_fact_extraction_through_the_fleet(gpu, fleet):
    gpu.queue_replies(EXTRACTED)
    llm = FleetExtractionLLM("llama3.1:8b")
    answer = llm.generate_response(
        [{"role": "system", "content": "extract"}, {"role": "user", "content": "my cat Miso"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(answer) == json.loads(EXTRACTED)


async def test_the_service_on_the_fleet_stores_extracted_facts(tmp_path, gpu, fleet):
    gpu.queue_replies(EXTRACTED)
    settings = MemorySettings(
        data_dir=str(tmp_path),
        embedder="ollama",
        infer=True,
        infer_model="llama3.1:8b",
        budget_ms=60_000,
    )
    service = await started(MemoryService(settings))
    try:
        told = [
            {"role": "user", "content": "btw my cat Miso knocked over my tea"},
            {"role": "assistant", "content": "Oh no!"},
        ]
        assert await service.remember("ana", told)
        assert await service.flush(60)
        assert [h.text for h in await service.list("ana")] == ["Has a cat named Miso"]
        assert service.stats.failed == 0
        found = await service.lookup("ana", "Has a cat named Miso", threshold=0.0)
        assert found.outcome == "ok" and [h.text for h in found.hits] == ["Has a cat named Miso"]
        assert (await service.lookup("ben", "Has a cat named Miso", threshold=0.0)).hits == []
    finally:
        await asyncio.to_thread(service.close)
