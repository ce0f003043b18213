"""mem0's Qdrant vector store with the person index in front of its reads of one person.

mem0 reaches Qdrant through one object, ``Memory.vector_store``; the backend replaces it with an
``IndexedStore`` that wraps it (mem0 2.2.1 has no door for a store of one's own: see
``backend_upstream``, and the test of it, which checks the methods below still match mem0's).
Every call mem0 makes with a filter of exactly one person
(``{"user_id": ...}``: searching, listing, and the search inside ``add`` with ``infer``) is
answered from that person's ``PersonIndex``; every other call goes to Qdrant unchanged. Writes go
to Qdrant first, then to the index, so Qdrant stays the store of record and a failed write
leaves the index as it was.

A person's index is built from Qdrant on first use: with a Qdrant server, a scroll filtered by
``user_id`` (which its payload index serves); in the embedded store, whose filters scan every
point in Python, one pass over the collection learns which person owns which point (kept up to
date afterwards), and each person's vectors are then fetched by id. Building and writing hold
one lock, so a build never misses a write made while it reads.

What the index leaves out: mem0's BM25 keyword boost (it needs the optional ``fastembed``; not
installed by the pack) and memories written by another process sharing a Qdrant server, which
appear after a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._index import KEPT_FIELDS, IndexedPoint, PersonIndex, VectorIndex

log = logging.getLogger(__name__)

FETCH_CHUNK = 1000
SCROLL_PAGE = 2000


def person_of(filters: dict[str, Any] | None) -> str | None:
    """The person a filter selects when it selects exactly one person and nothing else."""
    if not isinstance(filters, dict) or set(filters) != {"user_id"}:
        return None
    value = filters["user_id"]
    return value if isinstance(value, str) and value else None


def _dense(vector: Any) -> Any:
    return vector.get("") if isinstance(vector, dict) else vector


class IndexedStore:
    """Wraps mem0's ``Qdrant`` vector store; anything not defined here is passed through."""

    def __init__(self, inner: Any, index: VectorIndex, *, embedded: bool) -> None:
        self._inner = inner
        self.index = index
        self.embedded = embedded
        self._writes = threading.RLock()
        self._owners: dict[str, str] | None = None  # embedded store: point id -> user_id
        self.builds = 0
        self.build_seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    # -- building a person's index ------------------------------------------------------------

    def person(self, user_id: str) -> PersonIndex:
        """This person's index, built from Qdrant first if it is not loaded."""
        person = self.index.get(user_id)
        if person is not None:
            return person
        with self._writes:
            person = self.index.get(user_id)
            if person is not None:  # another thread built it meanwhile
                return person
            started = time.perf_counter()
            ids, vectors, payloads = self._read_person(user_id)
            person = self.index.install(user_id, ids, vectors, payloads)
            elapsed = time.perf_counter() - started
            self.builds += 1
            self.build_seconds += elapsed
            log.debug("memory index: %s memories of one person loaded in %.2f s", len(ids), elapsed)
            return person

    def _read_person(self, user_id: str) -> tuple[list[str], np.ndarray, list[dict[str, Any]]]:
        ids: list[str] = []
        blocks: list[np.ndarray] = []
        payloads: list[dict[str, Any]] = []
        for records in self._pages_of(user_id):
            rows = []
            for record in records:
                payload = record.payload or {}
                vector = _dense(record.vector)
                if payload.get("user_id") != user_id or vector is None:
                    continue  # never another person's point, whatever the store returned
                ids.append(str(record.id))
                rows.append(vector)
                payloads.append(payload)
            if rows:  # float32 page by page: a page of Python floats is 8x its array
                blocks.append(np.asarray(rows, dtype=np.float32))
        dims = self.index.dims
        return ids, np.concatenate(blocks) if blocks else np.zeros((0, dims), np.float32), payloads

    def _pages_of(self, user_id: str) -> Iterator[list[Any]]:
        client, collection = self._inner.client, self._inner.collection_name
        if not self.embedded:
            from qdrant_client import models

            match = models.Filter(
                must=[models.FieldCondition(key="user_id", match=models.MatchValue(value=user_id))]
            )
            offset = None
            while True:
                page, offset = client.scroll(
                    collection_name=collection,
                    scroll_filter=match,
                    limit=SCROLL_PAGE,
                    offset=offset,
                    with_payload=list(KEPT_FIELDS),
                    with_vectors=True,
                )
                yield page
                if offset is None:
                    return
        owners = self._known_owners()
        wanted = [point_id for point_id, owner in owners.items() if owner == user_id]
        for start in range(0, len(wanted), FETCH_CHUNK):
            yield client.retrieve(
                collection_name=collection,
                ids=wanted[start : start + FETCH_CHUNK],
                with_payload=list(KEPT_FIELDS),
                with_vectors=True,
            )

    def _known_owners(self) -> dict[str, str]:
        """Who owns each point of the embedded store: read once, then kept by every write."""
        if self._owners is None:
            client, collection = self._inner.client, self._inner.collection_name
            total = client.count(collection_name=collection, exact=True).count
            points, _ = client.scroll(
                collection_name=collection,
                limit=total + 1,
                with_payload=["user_id"],
                with_vectors=False,
            )
            self._owners = {str(p.id): str((p.payload or {}).get("user_id") or "") for p in points}
        return self._owners

    # -- reads of one person, from the index --------------------------------------------------

    def search(
        self, query: str, vectors: list, top_k: int = 5, filters: dict | None = None
    ) -> list:
        user_id = person_of(filters)
        if user_id is None:
            return self._inner.search(query=query, vectors=vectors, top_k=top_k, filters=filters)
        return self.person(user_id).search(vectors, top_k)

    def keyword_search(self, query: str, top_k: int = 5, filters: dict | None = None) -> Any:
        if person_of(filters) is not None:
            return None  # no BM25 scores: the search ranks by meaning alone
        return self._inner.keyword_search(query, top_k=top_k, filters=filters)

    def list(self, filters: dict | None = None, top_k: int = 100) -> Any:
        user_id = person_of(filters)
        if user_id is not None:
            return self.person(user_id).points(top_k), None
        scoped = dict(filters or {})
        digest = scoped.pop("hash", None)
        user_id = person_of(scoped)
        if user_id is not None and isinstance(digest, str):
            return self.person(user_id).with_hash(digest)[:top_k], None
        return self._inner.list(filters=filters, top_k=top_k)

    # -- writes: Qdrant first, then the index -------------------------------------------------

    def insert(self, vectors: list, payloads: list | None = None, ids: list | None = None) -> None:
        with self._writes:
            self._inner.insert(vectors=vectors, payloads=payloads, ids=ids)
            if ids is None or payloads is None:
                self.index.clear()  # points without ids or owners: rebuild from the store
                self._owners = None
                return
            names = [str(i) for i in ids]
            self.index.upsert(names, vectors, payloads)
            if self._owners is not None:
                for name, payload in zip(names, payloads, strict=True):
                    self._owners[name] = str((payload or {}).get("user_id") or "")

    def delete(self, vector_id: Any) -> None:
        with self._writes:
            self._inner.delete(vector_id=vector_id)
            self.index.remove([str(vector_id)])
            if self._owners is not None:
                self._owners.pop(str(vector_id), None)

    def update(
        self, vector_id: Any, vector: list | None = None, payload: dict | None = None
    ) -> None:
        with self._writes:
            self._inner.update(vector_id=vector_id, vector=vector, payload=payload)
            name = str(vector_id)
            if vector is not None and payload is not None:
                self.index.upsert([name], [vector], [payload])
            elif payload is not None:
                self.index.set_payload(name, payload)
            elif vector is not None:
                owner = self.index.owner_of(name)
                if owner is not None:
                    self.index.drop(owner)  # rebuilt from the store on its next use

    def reset(self) -> None:
        with self._writes:
            self._inner.reset()
            self.index.clear()
            self._owners = None

    def delete_col(self) -> None:
        with self._writes:
            self._inner.delete_col()
            self.index.clear()
            self._owners = None


__all__ = ["IndexedPoint", "IndexedStore", "person_of"]
