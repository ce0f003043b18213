"""The per-person vector index: search, writes, isolation and its memory bound (no I/O)."""

from __future__ import annotations

import random
import threading

import numpy as np

from alphaomega.memory._index import PersonIndex, VectorIndex, unit_rows

DIMS = 16


def vectors(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, DIMS)).astype(np.float32)


def payloads(user_id: str, count: int, start: int = 0) -> list[dict]:
    return [
        {
            "user_id": user_id,
            "data": f"{user_id} fact {n}",
            "hash": f"h{n}",
            "text_lemmatized": "not kept",
        }
        for n in range(start, start + count)
    ]


def brute_force(matrix: np.ndarray, query: np.ndarray, limit: int) -> list[int]:
    scores = unit_rows(matrix, DIMS) @ unit_rows(query, DIMS)[0]
    return list(np.argsort(-scores)[:limit])


def test_a_search_ranks_by_cosine_like_a_brute_force_scan():
    matrix = vectors(200, 1)
    ids = [f"id{n}" for n in range(200)]
    person = PersonIndex.built("ana", DIMS, ids, matrix, payloads("ana", 200))
    for seed in range(5):
        query = vectors(1, 100 + seed)[0]
        found = person.search(query, 7)
        assert [p.id for p in found] == [ids[i] for i in brute_force(matrix, query, 7)]
        expected = float(
            unit_rows(matrix[int(found[0].id[2:])], DIMS)[0] @ unit_rows(query, DIMS)[0]
        )
        assert abs(found[0].score - expected) < 1e-5
        assert all(a.score >= b.score for a, b in zip(found, found[1:], strict=False))
    assert len(person.search(vectors(1, 9)[0], 500)) == 200
    assert "text_lemmatized" not in found[0].payload and found[0].payload["hash"]


def test_upsert_replaces_by_id_and_remove_keeps_the_rest_searchable():
    person = PersonIndex("ana", DIMS)
    matrix = vectors(100, 2)
    person.upsert([f"id{n}" for n in range(100)], matrix, payloads("ana", 100))
    person.upsert(["id5"], [matrix[7]], [{"user_id": "ana", "data": "changed"}])
    assert len(person) == 100
    top = person.search(matrix[7], 2)
    assert {p.id for p in top} == {"id5", "id7"} and top[0].score > 0.999
    assert person.remove(["id7", "id0", "id99", "missing"]) == 3
    assert len(person) == 97 and person.ids() == {f"id{n}" for n in range(1, 99)} - {"id7"}
    for n in (1, 50, 98):  # rows moved by removals still answer for their own id
        assert person.search(matrix[n], 1)[0].id == f"id{n}"
    assert person.with_hash("h5") == []  # its new payload has no hash
    assert [p.id for p in person.with_hash("h6")] == ["id6"]
    person.set_payload("id5", {"data": "renamed"})
    assert next(p for p in person.points() if p.id == "id5").payload["data"] == "renamed"


def test_writes_reach_only_the_owners_loaded_index():
    index = VectorIndex(DIMS, 1 << 30)
    index.install("ana", ["a1"], vectors(1, 3), payloads("ana", 1))
    index.install("ben", [], [], [])
    batch = vectors(3, 4)
    index.upsert(
        ["a2", "b1", "c1"], batch, [{"user_id": "ana"}, {"user_id": "ben"}, {"user_id": "cid"}]
    )
    assert index.get("ana").ids() == {"a1", "a2"}
    assert index.get("ben").ids() == {"b1"}
    assert not index.loaded("cid")  # not loaded: built from the store on first use
    assert index.owner_of("b1") == "ben" and index.owner_of("c1") is None
    assert index.remove(["a1", "b1", "c1"]) == 2
    assert index.get("ana").ids() == {"a2"} and index.get("ben").ids() == set()


def test_past_its_budget_the_least_recently_used_people_are_dropped():
    row_bytes = DIMS * 4
    index = VectorIndex(DIMS, 250 * row_bytes)
    for n, user in enumerate(["ana", "ben", "cid"]):
        index.install(
            user, [f"{user}{i}" for i in range(100)], vectors(100, n), payloads(user, 100)
        )
        if user == "ben":
            index.get("ana")  # ana used last: ben is the oldest when cid arrives
    assert set(index.people()) == {"ana", "cid"} and index.evictions == 1
    assert index.nbytes <= 250 * row_bytes
    index.install("big", [f"big{i}" for i in range(400)], vectors(400, 9), payloads("big", 400))
    assert index.people() == ["big"]  # alone over budget, but the one asked for stays


def test_people_never_see_each_others_memories_under_concurrent_interleavings():
    index = VectorIndex(DIMS, 1 << 30)
    people = [f"person{n}" for n in range(4)]
    for user in people:
        index.install(user, [], [], [])
    shared = vectors(400, 5)  # everyone stores the same vectors: a leak would rank first
    errors: list[str] = []

    def work(user: str, seed: int) -> None:
        rng = random.Random(seed)
        mine: set[str] = set()
        for step in range(300):
            roll = rng.random()
            if roll < 0.5:
                point = f"{user}-{step}"
                index.upsert([point], [shared[rng.randrange(400)]], [{"user_id": user}])
                mine.add(point)
            elif roll < 0.65 and mine:
                gone = rng.choice(sorted(mine))
                index.remove([gone])
                mine.discard(gone)
            else:
                found = index.get(user).search(shared[rng.randrange(400)], 10)
                strangers = [p.id for p in found if not p.id.startswith(f"{user}-")]
                if strangers or any(p.payload.get("user_id") != user for p in found):
                    errors.append(f"{user} saw {strangers}")
        if index.get(user).ids() != mine:
            errors.append(f"{user}'s index drifted from what it stored")

    threads = [threading.Thread(target=work, args=(user, n)) for n, user in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
