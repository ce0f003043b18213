"""Where the memory backend meets mem0 (2.2.1) and qdrant-client (1.20): the documented doors it
goes through, and the few places where none exists.

Through mem0's own configuration (``Memory.from_config``):

- the vector store: provider ``qdrant`` with ``client``, a Qdrant client the pack makes;
- the history database: ``history_db_path``;
- telemetry and mem0's folder: the environment variables ``MEM0_TELEMETRY`` and ``MEM0_DIR``,
  which mem0 reads once, when first imported.

No documented door, so the pack sets an attribute after construction (each checked against the
installed mem0 by ``tests/memory/test_backend_upstream.py``, which fails when it changes):

- the embedder and the fact-extraction LLM run through the pack's fleet client on the pack's
  loop (``adapters``). mem0 2.2.1 validates ``embedder.provider`` and ``llm.provider`` against
  closed lists (``EmbedderConfig``, ``LlmConfig``); ``EmbedderFactory`` cannot register a
  provider, and ``LlmFactory.register_provider`` is refused by ``LlmConfig`` all the same; the
  ``langchain`` providers that take an object need LangChain and drop ``embed_batch``. So the
  memory is built with inert OpenAI placeholders (they make no request when built) and the pack's
  embedder and LLM are set on ``Memory.embedding_model`` and ``Memory.llm``, the two attributes
  mem0 calls.
- the per-person search index (``indexed_store``) wraps mem0's Qdrant store and is set on
  ``Memory.vector_store``: ``VectorStoreConfig`` accepts only its own providers.
- telemetry when something imported mem0 before the pack could set ``MEM0_TELEMETRY``: mem0
  offers no switch after import, so its two module flags are turned off.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from ._config import MemorySettings

log = logging.getLogger(__name__)

INERT_URL = "http://inert.invalid/v1"  # never contacted: replaced before first use
TELEMETRY_MODULES = ("mem0.memory.telemetry", "mem0.memory.main")


def quiet_mem0_environment(settings: MemorySettings) -> None:
    """mem0 reads these when first imported: no telemetry, nothing under the home folder."""
    os.environ["MEM0_TELEMETRY"] = "False"
    os.environ.setdefault("MEM0_DIR", str(settings.memory_dir() / "mem0"))


def silence_telemetry_imported_earlier() -> bool:
    """Turn mem0's telemetry off if mem0 was imported before ``MEM0_TELEMETRY`` was set.

    Returns whether it had to. mem0 2.2.1 copies the variable into ``MEM0_TELEMETRY`` of its
    telemetry module and of ``mem0.memory.main`` (which decides whether to open a second,
    telemetry vector store) at import, and has no switch afterwards.
    """
    modules = [sys.modules[name] for name in TELEMETRY_MODULES if name in sys.modules]
    if not any(getattr(module, "MEM0_TELEMETRY", False) for module in modules):
        return False
    log.warning("mem0 was imported with its telemetry on before the memory filter; turning it off")
    for module in modules:
        module.MEM0_TELEMETRY = False
    return True


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._alphaomega_lock:
            return method(self, *args, **kwargs)

    return call


@functools.cache
def serialized_qdrant_client_class() -> type:
    """A ``QdrantClient`` whose public methods run one at a time, whatever the thread.

    Embedded Qdrant keeps plain Python structures and qdrant-client documents no thread safety
    for it, while mem0 and the index call it from several threads. Every public method the
    installed qdrant-client defines is wrapped once, here, in one lock per client.
    """
    from qdrant_client import QdrantClient

    def __init__(self: Any, **kwargs: Any) -> None:
        self._alphaomega_lock = threading.RLock()
        QdrantClient.__init__(self, **kwargs)

    def create_payload_index(self: Any, *args: Any, **kwargs: Any) -> None:
        """mem0 asks any client it is handed for indexes; embedded Qdrant has no use for them
        (and would warn)."""
        return None

    namespace: dict[str, Any] = {
        name: _serialized(member)
        for name in dir(QdrantClient)
        if not name.startswith("_")
        and inspect.isfunction(member := inspect.getattr_static(QdrantClient, name))
    }
    namespace.update(__init__=__init__, create_payload_index=create_payload_index)
    namespace["__doc__"] = serialized_qdrant_client_class.__doc__
    return type("SerializedQdrantClient", (QdrantClient,), namespace)


def make_qdrant_client(settings: MemorySettings) -> Any:
    if settings.qdrant_url.strip():
        from qdrant_client import QdrantClient

        return QdrantClient(
            url=settings.qdrant_url.strip(),
            api_key=settings.qdrant_api_key(),
            timeout=10,
            check_compatibility=False,
        )
    path = settings.qdrant_path()
    path.mkdir(parents=True, exist_ok=True)
    return serialized_qdrant_client_class()(path=str(path))


def mem0_config(settings: MemorySettings, collection: str, dims: int, client: Any) -> dict:
    """mem0's configuration: the pack's Qdrant client, and placeholders for the parts it sets."""
    inert = {"api_key": "unused", "openai_base_url": INERT_URL}
    return {
        "vector_store": {
            "provider": "qdrant",
            "config": {
                "collection_name": collection,
                "embedding_model_dims": dims,
                "client": client,
            },
        },
        "embedder": {"provider": "openai", "config": dict(inert)},
        "llm": {"provider": "openai", "config": dict(inert)},
        "history_db_path": str(settings.memory_dir() / "history.db"),
    }


def open_memory(settings: MemorySettings, config: dict, *, embedder: Any, llm: Any) -> Any:
    """mem0's ``Memory`` from ``config``, calling the pack's embedder and LLM (see above)."""
    quiet_mem0_environment(settings)
    from mem0 import Memory

    silence_telemetry_imported_earlier()
    memory = Memory.from_config(config)
    memory.embedding_model = embedder
    memory.llm = llm
    return memory
