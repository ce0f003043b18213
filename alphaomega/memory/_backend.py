"""mem0 2.x over Qdrant, synchronous: every method here runs in one of the service's threads.

How it is wired into mem0 (its configuration where mem0 has a door for it, an attribute set
after construction where it has none) is in ``backend_upstream``. mem0 still writes every memory
to Qdrant; its reads of one person come from the per-person index (``indexed_store``).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from ._adapters import Embedder, ExtractionLLM, FleetExtractionLLM, LocalEmbedder, OllamaEmbedder
from ._backend_upstream import make_qdrant_client, mem0_config, open_memory
from ._config import MemorySettings
from ._index import IndexedPoint, VectorIndex
from ._indexed_store import IndexedStore
from ._logic import MemoryHit
from ._recall import Lexicon, RecallRules, choose

log = logging.getLogger(__name__)

LIST_LIMIT = 10_000
GROWTH_PROBE_ID = "a1fa0e6a-0000-4000-8000-00000000600d"  # never a memory: deleted at once
# The memories nearest in meaning that recall weighs by their words too: all of a person's in
# most cases, and a bounded amount of Python per search for a person with thousands.
RECALL_CANDIDATES = 50


def make_embedder(settings: MemorySettings) -> Embedder:
    if settings.embedder == "local":
        return LocalEmbedder(settings.local_model_path)
    return OllamaEmbedder(settings.embed_model, settings.ollama_url)


def embedder_dims(embedder: Embedder, configured: int) -> int:
    if configured:
        return configured
    known = int(getattr(embedder, "dims", 0) or 0)
    return known or len(embedder.embed("dimension probe"))


def _hit(item: dict[str, Any]) -> MemoryHit:
    return MemoryHit(
        id=str(item.get("id", "")),
        text=str(item.get("memory", "")),
        score=item.get("score"),
        created_at=item.get("created_at"),
    )


def _hits(points: list[IndexedPoint], user_id: str, threshold: float) -> list[MemoryHit]:
    return [
        MemoryHit(
            id=p.id,
            text=str(p.payload.get("data", "")),
            score=p.score,
            created_at=p.payload.get("created_at"),
        )
        for p in points
        if p.score is not None
        and p.score >= threshold
        and p.payload.get("user_id") == user_id
        and p.payload.get("data")
    ]


class MemoryBackend:
    """One mem0 ``Memory`` on one Qdrant collection; every call scoped to one person."""

    def __init__(
        self,
        settings: MemorySettings,
        *,
        embedder: Embedder | None = None,
        llm: ExtractionLLM | None = None,
    ) -> None:
        self.embedder = embedder or make_embedder(settings)
        self.lexicon = Lexicon.load()
        self.dims = embedder_dims(self.embedder, settings.embedding_dims)
        self.collection = settings.collection_for(self.dims)
        self.location = settings.qdrant_url.strip() or str(settings.qdrant_path())
        settings.memory_dir().mkdir(parents=True, exist_ok=True)
        self.client = make_qdrant_client(settings)
        try:
            self.memory = open_memory(
                settings,
                mem0_config(settings, self.collection, self.dims, self.client),
                embedder=self.embedder,
                llm=llm or FleetExtractionLLM(settings.infer_model, settings.ollama_url),
            )
        except Exception:
            self.client.close()
            raise
        if not settings.qdrant_url.strip():
            try:
                self._grow_embedded_store()
            except Exception:
                self.close()
                raise
        self.store: IndexedStore | None = None
        if settings.search_index_mb > 0:
            index = VectorIndex(self.dims, settings.search_index_mb * 2**20)
            self.store = IndexedStore(
                self.memory.vector_store, index, embedded=not settings.qdrant_url.strip()
            )
            # No door for a store of the pack's making in mem0 2.2.1: see backend_upstream.
            self.memory.vector_store = self.store

    def _grow_embedded_store(self) -> None:
        """Write and delete one point now, while no chat waits.

        The embedded store keeps its vectors in one array that it doubles when a point no
        longer fits, and it loads a stored collection into an array of exactly its size: the
        first memory stored after a start would copy every vector (measured: 5 s of a core for
        160,000 of 768 dims, holding the store's lock while chats run).
        """
        from qdrant_client import models

        point = models.PointStruct(id=GROWTH_PROBE_ID, vector={"": [0.0] * self.dims}, payload={})
        try:
            self.client.upsert(collection_name=self.collection, points=[point])
        finally:
            self.client.delete(
                collection_name=self.collection,
                points_selector=models.PointIdsList(points=[GROWTH_PROBE_ID]),
            )

    def apply(self, settings: MemorySettings) -> None:
        """Settings that change how this backend behaves without reopening it."""
        if isinstance(self.memory.llm, FleetExtractionLLM):
            self.memory.llm.model = settings.infer_model
        if self.store is not None:
            self.store.index.max_bytes = settings.search_index_mb * 2**20

    def indexed(self, user_id: str) -> bool:
        """Whether a search of this person can start at once (no index to build first)."""
        return self.store is None or self.store.index.loaded(user_id)

    def load_index(self, user_id: str) -> None:
        """Build this person's index from Qdrant if it is not loaded (slow: a worker thread)."""
        if self.store is not None:
            self.store.person(user_id)

    def search(self, user_id: str, query: str, top_k: int, threshold: float) -> list[MemoryHit]:
        if self.store is not None:
            # The index ranks exactly as mem0's semantic search does (cosine, gated by the
            # threshold); asked directly, a search skips mem0's per-call bookkeeping and the
            # 60 candidates it fetches to re-rank with BM25, which the index leaves out.
            return self.search_vector(
                user_id, self.embedder.embed(query, "search"), top_k, threshold
            )
        found = self.memory.search(
            query, filters={"user_id": user_id}, top_k=top_k, threshold=threshold
        )
        return [_hit(item) for item in found.get("results", []) if item.get("user_id") == user_id]

    def searches_by_vector(self) -> bool:
        """Whether a search can be split: the query embedded by the caller, then ranked here."""
        return self.store is not None

    def search_vector(
        self, user_id: str, vector: list[float], top_k: int, threshold: float
    ) -> list[MemoryHit]:
        """This person's memories nearest to an embedded query (needs the index; may load
        it from Qdrant: a worker thread)."""
        assert self.store is not None
        return _hits(self.store.person(user_id).search(vector, top_k), user_id, threshold)

    def search_vector_now(
        self, user_id: str, vector: list[float], top_k: int, threshold: float
    ) -> list[MemoryHit] | None:
        """``search_vector`` if it can run without waiting (index loaded, no write on it):
        a few milliseconds of numpy, fit for an event loop. None otherwise."""
        person = self.store.index.get(user_id) if self.store is not None else None
        points = person.search_if_free(vector, top_k) if person is not None else None
        return None if points is None else _hits(points, user_id, threshold)

    def recall(self, user_id: str, query: str, rules: RecallRules) -> list[MemoryHit]:
        """The memories a chat message needs (see ``recall``): meaning and words together."""
        if self.store is not None:
            return self.recall_vector(user_id, self.embedder.embed(query, "search"), query, rules)
        found = self.memory.search(
            query, filters={"user_id": user_id}, top_k=RECALL_CANDIDATES, threshold=0.0
        )
        points = [
            IndexedPoint(
                str(item.get("id", "")),
                score=item.get("score"),
                payload={
                    "user_id": item.get("user_id"),
                    "data": item.get("memory"),
                    "created_at": item.get("created_at"),
                },
            )
            for item in found.get("results", [])
        ]
        return self._chosen(points, user_id, query, rules)

    def recall_vector(
        self, user_id: str, vector: list[float], query: str, rules: RecallRules
    ) -> list[MemoryHit]:
        """``recall`` of an embedded query (needs the index; may load it: a worker thread)."""
        assert self.store is not None
        points = self.store.person(user_id).search(vector, RECALL_CANDIDATES)
        return self._chosen(points, user_id, query, rules)

    def recall_vector_now(
        self, user_id: str, vector: list[float], query: str, rules: RecallRules
    ) -> list[MemoryHit] | None:
        """``recall_vector`` if it can run without waiting, as ``search_vector_now``."""
        person = self.store.index.get(user_id) if self.store is not None else None
        points = person.search_if_free(vector, RECALL_CANDIDATES) if person is not None else None
        return None if points is None else self._chosen(points, user_id, query, rules)

    def _chosen(
        self, points: list[IndexedPoint], user_id: str, query: str, rules: RecallRules
    ) -> list[MemoryHit]:
        mine = [
            p
            for p in points
            if p.score is not None and p.payload.get("user_id") == user_id and p.payload.get("data")
        ]
        texts = [str(p.payload["data"]) for p in mine]
        chosen = choose(self.lexicon, query, texts, [float(p.score or 0.0) for p in mine], rules)
        return [
            MemoryHit(
                id=mine[c.index].id,
                text=texts[c.index],
                score=round(float(c.score), 4),
                created_at=mine[c.index].payload.get("created_at"),
            )
            for c in chosen
        ]

    def add(self, user_id: str, messages: list[dict[str, str]], *, infer: bool) -> int:
        """Store one turn; returns how many memories were written."""
        if infer:
            result = self.memory.add(messages, user_id=user_id, infer=True)
            return len(result.get("results", []))
        stored = 0
        for message in messages:
            text = message.get("content", "").strip()
            if (
                message.get("role") != "user"
                or not text
                or self.lexicon.is_request(text)
                or self._has_text(user_id, text)
            ):
                continue
            self.memory.add([{"role": "user", "content": text}], user_id=user_id, infer=False)
            stored += 1
        return stored

    def _has_text(self, user_id: str, text: str) -> bool:
        digest = hashlib.md5(text.encode()).hexdigest()
        found = self.memory.get_all(filters={"user_id": user_id, "hash": digest}, top_k=1)
        return bool(found.get("results"))

    def list(self, user_id: str, limit: int = LIST_LIMIT) -> list[MemoryHit]:
        found = self.memory.get_all(filters={"user_id": user_id}, top_k=limit)
        return [_hit(item) for item in found.get("results", []) if item.get("user_id") == user_id]

    def delete(self, user_id: str, memory_ids: list[str]) -> int:
        deleted = 0
        for memory_id in memory_ids:
            item = self.memory.get(memory_id)
            if item is None or item.get("user_id") != user_id:
                continue  # never another person's memory, whatever id was asked for
            self.memory.delete(memory_id)
            deleted += 1
        return deleted

    def delete_all(self, user_id: str) -> int:
        count = len(self.list(user_id))
        self.memory.delete_all(user_id=user_id)
        return count

    def close(self) -> None:
        try:
            self.memory.close()
        finally:
            self.client.close()
