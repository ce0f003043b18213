"""Each person's memory vectors in one matrix, searched with one matrix-vector product (no I/O).

Why: the embedded Qdrant filters by ``user_id`` in Python, point by point, so a filtered search
over 160,000 memories takes seconds. Qdrant stays the store of record; this index is a copy of
the vectors of the people the process has served recently, kept in step by every write the
pack makes (see ``indexed_store``) and rebuilt from Qdrant when missing.

Isolation is structural: one ``PersonIndex`` per person, and a search reads one of them only.
Memory is bounded: past ``max_bytes`` the people used least recently are dropped and rebuilt
from Qdrant on their next message.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# What an index keeps of a memory's payload: enough to answer mem0's searches and listings.
KEPT_FIELDS = ("user_id", "data", "hash", "created_at", "updated_at", "role", "actor_id")
INITIAL_ROWS = 64


@dataclass(frozen=True)
class IndexedPoint:
    """One memory as mem0 reads a Qdrant point: ``id``, ``score``, ``payload``."""

    id: str
    payload: dict[str, Any]
    score: float | None = None
    vector: Any = None


def kept_payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    payload = payload or {}
    return {key: payload[key] for key in KEPT_FIELDS if key in payload}


def unit_rows(vectors: Any, dims: int) -> np.ndarray:
    """Vectors as float32 rows of length 1 (Qdrant's cosine stores them normalized too)."""
    matrix = np.asarray(vectors, dtype=np.float32).reshape(-1, dims)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 1e-12, norms, 1.0)


class PersonIndex:
    """The memories of one person: ids, payloads, and a growable matrix of unit vectors."""

    def __init__(self, user_id: str, dims: int) -> None:
        self.user_id = user_id
        self.dims = dims
        self._lock = threading.Lock()
        self._matrix = np.zeros((0, dims), dtype=np.float32)
        self._ids: list[str] = []
        self._payloads: list[dict[str, Any]] = []
        self._rows: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def nbytes(self) -> int:
        return int(self._matrix.nbytes)

    @classmethod
    def built(
        cls,
        user_id: str,
        dims: int,
        ids: Sequence[str],
        vectors: Any,
        payloads: Sequence[dict[str, Any]],
    ) -> PersonIndex:
        """An index of exactly these points (no spare rows until the first new memory)."""
        person = cls(user_id, dims)
        if ids:
            person._matrix = unit_rows(vectors, dims)
            person._ids = [str(i) for i in ids]
            person._payloads = [kept_payload(p) for p in payloads]
            person._rows = {point_id: at for at, point_id in enumerate(person._ids)}
            if len(person._rows) != len(person._ids):  # the same id twice: keep the last
                person = cls(user_id, dims)
                person.upsert(ids, vectors, payloads)
        return person

    def __contains__(self, point_id: object) -> bool:
        with self._lock:
            return point_id in self._rows

    def upsert(self, ids: Sequence[str], vectors: Any, payloads: Sequence[dict[str, Any]]) -> None:
        if not ids:
            return
        rows = unit_rows(vectors, self.dims)
        with self._lock:
            for point_id, row, payload in zip(ids, rows, payloads, strict=True):
                self._upsert_one(str(point_id), row, kept_payload(payload))

    def _upsert_one(self, point_id: str, row: np.ndarray, payload: dict[str, Any]) -> None:
        at = self._rows.get(point_id)
        if at is None:
            at = len(self._ids)
            if at == self._matrix.shape[0]:
                grown = np.zeros((max(INITIAL_ROWS, at * 2), self.dims), dtype=np.float32)
                grown[:at] = self._matrix[:at]
                self._matrix = grown
            self._ids.append(point_id)
            self._payloads.append(payload)
            self._rows[point_id] = at
        else:
            self._payloads[at] = payload
        self._matrix[at] = row

    def set_payload(self, point_id: str, payload: dict[str, Any]) -> None:
        with self._lock:
            at = self._rows.get(point_id)
            if at is not None:
                self._payloads[at] = {**self._payloads[at], **kept_payload(payload)}

    def remove(self, point_ids: Sequence[str]) -> int:
        """Drop these ids (those of other people are not here, so they are ignored)."""
        removed = 0
        with self._lock:
            for point_id in point_ids:
                at = self._rows.pop(str(point_id), None)
                if at is None:
                    continue
                last = len(self._ids) - 1
                if at != last:  # the last row takes the freed place
                    self._matrix[at] = self._matrix[last]
                    self._ids[at] = self._ids[last]
                    self._payloads[at] = self._payloads[last]
                    self._rows[self._ids[at]] = at
                self._ids.pop()
                self._payloads.pop()
                removed += 1
        return removed

    def search(self, query: Any, limit: int) -> list[IndexedPoint]:
        """The ``limit`` memories most similar to ``query`` (cosine), best first."""
        vector = unit_rows(query, self.dims)[0]
        with self._lock:  # a write moves rows; the product itself runs without the GIL
            return self._ranked(vector, limit)

    def search_if_free(self, query: Any, limit: int) -> list[IndexedPoint] | None:
        """``search``, or None at once when a write holds the index (an event loop must not
        wait for one)."""
        vector = unit_rows(query, self.dims)[0]
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self._ranked(vector, limit)
        finally:
            self._lock.release()

    def _ranked(self, vector: np.ndarray, limit: int) -> list[IndexedPoint]:
        """Called with the lock held."""
        count = len(self._ids)
        if count == 0 or limit <= 0:
            return []
        # einsum rather than BLAS: a threaded BLAS spins on both cores after each product
        # (measured: 13 ms of CPU per 3 ms search), starving the server's event loop.
        scores = np.einsum("ij,j->i", self._matrix[:count], vector)
        if limit < count:
            top = np.argpartition(scores, count - limit)[count - limit :]
        else:
            top = np.arange(count)
        best = top[np.argsort(scores[top])[::-1]]
        return [IndexedPoint(self._ids[i], dict(self._payloads[i]), float(scores[i])) for i in best]

    def points(self, limit: int | None = None) -> list[IndexedPoint]:
        with self._lock:
            chosen = range(len(self._ids) if limit is None else min(limit, len(self._ids)))
            return [IndexedPoint(self._ids[i], dict(self._payloads[i])) for i in chosen]

    def with_hash(self, digest: str) -> list[IndexedPoint]:
        with self._lock:
            return [
                IndexedPoint(self._ids[i], dict(p))
                for i, p in enumerate(self._payloads)
                if p.get("hash") == digest
            ]

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._ids)


class VectorIndex:
    """Everyone's ``PersonIndex`` held here, least recently used dropped past ``max_bytes``."""

    def __init__(self, dims: int, max_bytes: int) -> None:
        self.dims = dims
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._people: OrderedDict[str, PersonIndex] = OrderedDict()
        self.evictions = 0

    def get(self, user_id: str) -> PersonIndex | None:
        with self._lock:
            person = self._people.get(user_id)
            if person is not None:
                self._people.move_to_end(user_id)
            return person

    def loaded(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._people

    def install(
        self, user_id: str, ids: Sequence[str], vectors: Any, payloads: Sequence[dict[str, Any]]
    ) -> PersonIndex:
        """A person's index built from the store; others make room for it if needed."""
        person = PersonIndex.built(user_id, self.dims, ids, vectors, payloads)
        with self._lock:
            self._people[user_id] = person
            self._people.move_to_end(user_id)
            self._evict_beyond_budget(keep=user_id)
        return person

    def _evict_beyond_budget(self, keep: str) -> None:
        total = sum(p.nbytes for p in self._people.values())
        for user_id in list(self._people):
            if total <= self.max_bytes:
                break
            if user_id == keep:
                continue
            total -= self._people.pop(user_id).nbytes
            self.evictions += 1

    def upsert(self, ids: Sequence[str], vectors: Any, payloads: Sequence[dict[str, Any]]) -> None:
        """New or changed points, each to its owner's index when that index is loaded."""
        grouped: dict[str, list[int]] = {}
        for position, payload in enumerate(payloads):
            owner = str((payload or {}).get("user_id") or "")
            if owner:
                grouped.setdefault(owner, []).append(position)
        for owner, positions in grouped.items():
            person = self.get(owner)
            if person is not None:
                person.upsert(
                    [ids[i] for i in positions],
                    [vectors[i] for i in positions],
                    [payloads[i] for i in positions],
                )

    def remove(self, ids: Sequence[str]) -> int:
        with self._lock:
            people = list(self._people.values())
        return sum(person.remove(ids) for person in people)

    def set_payload(self, point_id: str, payload: dict[str, Any]) -> None:
        with self._lock:
            people = list(self._people.values())
        for person in people:
            person.set_payload(point_id, payload)

    def owner_of(self, point_id: str) -> str | None:
        with self._lock:
            people = list(self._people.values())
        return next((p.user_id for p in people if point_id in p), None)

    def drop(self, user_id: str) -> None:
        with self._lock:
            self._people.pop(user_id, None)

    def clear(self) -> None:
        with self._lock:
            self._people.clear()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(p.nbytes for p in self._people.values())

    def people(self) -> list[str]:
        with self._lock:
            return list(self._people)
