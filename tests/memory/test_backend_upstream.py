"""What the memory backend relies on in the installed mem0 and qdrant-client.

Where mem0 has no documented door (``alphaomega/memory/_backend_upstream.py`` lists them), the
pack sets attributes of mem0's ``Memory`` after construction. These tests fail, with a message
saying what to re-check, when a new mem0 changes what that relies on, or opens a door.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import subprocess
import sys
import threading
import types
from importlib.metadata import version

import pytest

pytest.importorskip("mem0")
pytest.importorskip("qdrant_client")

from alphaomega.memory import MemorySettings  # noqa: E402
from alphaomega.memory._adapters import FleetExtractionLLM, LocalEmbedder, OllamaEmbedder  # noqa: E402
from alphaomega.memory._backend_upstream import (  # noqa: E402
    TELEMETRY_MODULES,
    make_qdrant_client,
    mem0_config,
    open_memory,
    serialized_qdrant_client_class,
    silence_telemetry_imported_earlier,
)
from alphaomega.memory._indexed_store import IndexedStore  # noqa: E402

MEM0 = f"mem0ai {version('mem0ai')}"
DIMS = 8


class WordEmbedder:
    """Eight numbers from a text's hash: enough for mem0 to store and rank; counts its calls."""

    dims = DIMS

    def __init__(self) -> None:
        self.actions: list[str | None] = []

    def _vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [byte / 255 + 0.01 for byte in digest[:DIMS]]

    def embed(self, text: str, memory_action: str | None = None) -> list[float]:
        self.actions.append(memory_action)
        return self._vector(text)

    def embed_batch(self, texts: list[str], memory_action: str = "add") -> list[list[float]]:
        self.actions.extend([memory_action] * len(texts))
        return [self._vector(text) for text in texts]


class RecordingLLM:
    def __init__(self) -> None:
        self.calls = 0

    def generate_response(self, messages, response_format=None, **kwargs) -> str:
        self.calls += 1
        return '{"facts": []}'


@pytest.fixture
def settings(tmp_path):
    return MemorySettings(data_dir=str(tmp_path), embedding_dims=DIMS)


@pytest.fixture
def memory(settings):
    embedder, llm = WordEmbedder(), RecordingLLM()
    client = make_qdrant_client(settings)
    config = mem0_config(settings, settings.collection_for(DIMS), DIMS, client)
    opened = open_memory(settings, config, embedder=embedder, llm=llm)
    yield opened, embedder, llm
    opened.close()
    client.close()


def test_mem0_still_refuses_a_provider_of_the_packs_own():
    from mem0.configs.base import MemoryConfig
    from pydantic import ValidationError

    for part in ("embedder", "llm", "vector_store"):
        with pytest.raises(ValidationError):
            MemoryConfig(**{part: {"provider": "alphaomega", "config": {}}})
            pytest.fail(
                f"{MEM0} now accepts a {part} provider of one's own: configure the pack's "
                f"{part} through it (alphaomega/memory/_backend_upstream.py) and drop the "
                "attribute set after construction"
            )


def test_mem0_calls_the_embedder_and_llm_the_pack_sets(memory):
    opened, embedder, llm = memory
    assert opened.embedding_model is embedder and opened.llm is llm

    opened.add([{"role": "user", "content": "I live in Lisbon."}], user_id="ana", infer=False)
    found = opened.search("Lisbon", filters={"user_id": "ana"}, top_k=3)
    opened.add([{"role": "user", "content": "I keep bees."}], user_id="ana", infer=True)

    assert "search" in embedder.actions and len(embedder.actions) >= 2, (
        f"{MEM0} no longer embeds through Memory.embedding_model: re-check backend_upstream"
    )
    assert [item["memory"] for item in found["results"]] == ["I live in Lisbon."]
    assert llm.calls >= 1, f"{MEM0} no longer extracts facts through Memory.llm"


def test_mem0_reaches_qdrant_through_one_store_object(memory):
    opened, _, _ = memory
    store = opened.vector_store
    assert hasattr(store, "client") and hasattr(store, "collection_name"), (
        f"{MEM0}'s Qdrant store has no client/collection_name: the person index reads them"
    )
    assert type(store).__module__ == "mem0.vector_stores.qdrant"


def _names(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


def test_the_person_index_takes_what_mem0s_qdrant_store_takes():
    from mem0.vector_stores.qdrant import Qdrant

    for name in ("search", "keyword_search", "list", "insert", "delete", "update", "reset"):
        assert _names(getattr(IndexedStore, name)) == _names(getattr(Qdrant, name)), (
            f"{MEM0} changed Qdrant.{name}: bring IndexedStore.{name} in line "
            "(alphaomega/memory/_indexed_store.py)"
        )


def test_the_embedders_and_llm_take_what_mem0_passes():
    from mem0.embeddings.base import EmbeddingBase
    from mem0.llms.base import LLMBase

    for ours in (LocalEmbedder, OllamaEmbedder):
        for name in ("embed", "embed_batch"):
            assert _names(getattr(ours, name)) == _names(getattr(EmbeddingBase, name)), (
                f"{MEM0} changed EmbeddingBase.{name}: bring {ours.__name__}.{name} in line"
            )
    wanted = {
        name: None
        for name, parameter in inspect.signature(LLMBase.generate_response).parameters.items()
        if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
    }
    inspect.signature(FleetExtractionLLM.generate_response).bind(None, **wanted)


def test_mem0_reads_its_telemetry_switch_when_imported(tmp_path):
    probe = (
        "import mem0.memory.main as main, mem0.memory.telemetry as telemetry\n"
        "print(main.MEM0_TELEMETRY, telemetry.MEM0_TELEMETRY)\n"
    )
    environment = {**os.environ, "MEM0_TELEMETRY": "False", "MEM0_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["False", "False"], (
        f"{MEM0} no longer reads MEM0_TELEMETRY at import into these flags: re-check "
        "quiet_mem0_environment and silence_telemetry_imported_earlier"
    )


def test_telemetry_switched_on_by_an_earlier_import_is_turned_off(monkeypatch):
    earlier = [types.ModuleType(name) for name in TELEMETRY_MODULES]
    for module in earlier:
        module.MEM0_TELEMETRY = True
        monkeypatch.setitem(sys.modules, module.__name__, module)

    assert silence_telemetry_imported_earlier()
    assert [module.MEM0_TELEMETRY for module in earlier] == [False, False]
    assert not silence_telemetry_imported_earlier()


def test_every_public_method_of_the_embedded_client_runs_alone(settings):
    from qdrant_client import QdrantClient

    serialized = serialized_qdrant_client_class()
    public = [
        name
        for name in dir(QdrantClient)
        if not name.startswith("_")
        and inspect.isfunction(inspect.getattr_static(QdrantClient, name))
    ]
    unwrapped = [
        name
        for name in public
        if name != "create_payload_index" and not hasattr(getattr(serialized, name), "__wrapped__")
    ]
    assert public and unwrapped == []

    client = make_qdrant_client(settings)
    held_elsewhere: list[bool] = []
    inner = client._client.get_collections

    def observed(*args, **kwargs):
        other = threading.Thread(
            target=lambda: held_elsewhere.append(not client._alphaomega_lock.acquire(False))
        )
        other.start()
        other.join()
        return inner(*args, **kwargs)

    client._client.get_collections = observed
    try:
        client.get_collections()
    finally:
        client.close()
    assert held_elsewhere == [True]
