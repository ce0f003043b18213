"""The Ollama simulator, driven over HTTP with httpx as a client of Ollama would drive it."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from alphaomega.testing import free_port
from alphaomega.testing._sim_text import go_time, parse_keep_alive, split_tokens
from alphaomega.testing.ollama_sim import (
    DEFAULT_MODEL_NAMES,
    OllamaSim,
    SimModel,
    SimRequest,
    model_from_spec,
    parse_size,
)

GB = 10**9
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(64))).decode()
REPO = Path(__file__).resolve().parents[2]
SSL = ssl.create_default_context()  # one for all clients: building one per client costs ~60 ms


def model(name: str, gb: float, load: float = 2.0, tps: float = 100.0, **extra) -> SimModel:
    return SimModel(name=name, size=int(gb * GB), load_seconds=load, tokens_per_second=tps, **extra)


@pytest.fixture
def make_sim() -> Iterator[Callable[..., OllamaSim]]:
    sims: list[OllamaSim] = []

    def make(**options) -> OllamaSim:
        options.setdefault("time_scale", 0.01)
        sim = OllamaSim(**options).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def gpu(make_sim) -> OllamaSim:
    """A fresh instance per test (not the shared ``sim`` of conftest: these tests count)."""
    return make_sim(num_parallel=4, keep_alive=None)


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the simulator never reached the expected state"
        await asyncio.sleep(0.005)


async def books_closed(sim, requests: int) -> None:
    """Wait until ``requests`` are booked: the simulator counts a request once its reply is
    written, so a client can read the reply first."""
    await until(lambda: sim.stats().served + sim.stats().failed >= requests)


class Gate:
    """A reply function that holds every generation until opened, so tests see queues.

    The reply runs on the simulator's loop, the test on its own: the event lives on the
    simulator's loop and is set from the test's thread through that loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened = False

    async def reply(self, request: SimRequest) -> str:
        with self._lock:
            if self._event is None:
                self._event, self._loop = asyncio.Event(), asyncio.get_running_loop()
            if self._opened:
                self._event.set()
        await self._event.wait()
        return f"answer to {request.prompt}"

    def open(self) -> None:
        with self._lock:
            self._opened = True
            if self._event is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(self._event.set)


def chat(model_name: str, text: str, **extra) -> dict:
    return {"model": model_name, "messages": [{"role": "user", "content": text}], **extra}


def ndjson(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines() if line]


def sse_events(text: str) -> list[str]:
    assert text.endswith("\n\n")
    events = text.strip().split("\n\n")
    assert all(event.startswith("data: ") for event in events)
    return [event[len("data: ") :] for event in events]


def is_go_time(value: str) -> bool:
    return value.endswith("Z") and datetime.fromisoformat(value).tzinfo is not None


METRICS = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


# ---- pure helpers ---------------------------------------------------------------------------


def test_sizes_specs_durations_and_tokens():
    assert parse_size("24GB") == 24 * GB
    assert parse_size("24GiB") == 24 * 2**30
    assert parse_size("512 MB") == 512 * 10**6
    assert parse_size(1234) == 1234
    with pytest.raises(ValueError):
        parse_size("lots")
    known = model_from_spec("llava:34b")
    assert known.vision and known.size > 19 * GB
    guessed = model_from_spec("mistral-small:24b")
    assert guessed.name == "mistral-small:24b" and 10 * GB < guessed.size < 20 * GB
    assert model_from_spec("tiny=2GB").name == "tiny:latest"
    assert model_from_spec("tiny=2GB").size == 2 * GB
    assert parse_keep_alive("5m") == 300 and parse_keep_alive("1h30m") == 5400
    assert parse_keep_alive(-1) is None and parse_keep_alive("0") == 0
    with pytest.raises(ValueError):
        parse_keep_alive("soon")
    text = "  def f(x):\n    return x  "
    assert "".join(split_tokens(text)) == text and len(split_tokens(text)) == 4
    assert is_go_time(go_time()) and go_time(1_500_000_000_000_000_000).endswith(":00Z")


# ---- what the instance has ------------------------------------------------------------------


def test_root_version_tags_show_and_openai_models(gpu):
    with httpx.Client(base_url=gpu.url, verify=SSL) as client:
        root = client.get("/")
        assert root.status_code == 200 and root.text == "Ollama is running"
        assert isinstance(client.get("/api/version").json()["version"], str)

        tags = client.get("/api/tags").json()["models"]
        assert [m["name"] for m in tags] == list(DEFAULT_MODEL_NAMES)
        for entry in tags:
            assert entry["model"] == entry["name"] and isinstance(entry["size"], int)
            assert len(entry["digest"]) == 64 and is_go_time(entry["modified_at"])
            assert set(entry["details"]) == {
                "parent_model",
                "format",
                "family",
                "families",
                "parameter_size",
                "quantization_level",
            }
        caps = {m["name"]: m["capabilities"] for m in tags}
        assert "vision" in caps["llava:34b"] and "vision" in caps["llama3.2-vision:11b"]
        assert caps["nomic-embed-text:latest"] == ["embedding"]

        shown = client.post("/api/show", json={"model": "llama3.2-vision:11b"}).json()
        assert "vision" in shown["capabilities"] and shown["details"]["family"] == "mllama"
        assert isinstance(shown["model_info"]["general.parameter_count"], int)
        missing = client.post("/api/show", json={"model": "ghost:1b"})
        assert missing.status_code == 404
        assert missing.json() == {"error": "model 'ghost:1b' not found"}

        listed = client.get("/v1/models").json()
        assert listed["object"] == "list"
        assert {m["id"] for m in listed["data"]} == set(DEFAULT_MODEL_NAMES)
        assert all(m["object"] == "model" and m["owned_by"] == "library" for m in listed["data"])
        assert client.get("/api/nothing").status_code == 404


# ---- chat and generate ----------------------------------------------------------------------


async def test_chat_streams_ndjson_then_the_metrics(gpu):
    prompt = "write a haiku about the sea please"
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        streamed = await client.post("/api/chat", json=chat("llama3.1:8b", prompt))
        whole = await client.post("/api/chat", json=chat("llama3.1:8b", prompt, stream=False))
    assert streamed.headers["content-type"] == "application/x-ndjson"
    *parts, final = ndjson(streamed)
    assert len(parts) > 3
    for part in parts:
        assert part["done"] is False and part["model"] == "llama3.1:8b"
        assert part["message"]["role"] == "assistant"
        assert isinstance(part["message"]["content"], str)
        assert is_go_time(part["created_at"])
    assert final["done"] is True and final["done_reason"] == "stop"
    assert final["message"] == {"role": "assistant", "content": ""}
    assert all(isinstance(final[key], int) and final[key] > 0 for key in METRICS)
    assert final["eval_count"] == len(parts)
    assert final["prompt_eval_count"] == len(prompt.split())
    text = "".join(part["message"]["content"] for part in parts)
    assert prompt in text

    assert whole.headers["content-type"].startswith("application/json")
    body = whole.json()
    assert body["done"] is True and body["message"]["content"] == text
    assert body["eval_count"] == final["eval_count"] and body["done_reason"] == "stop"


async def test_generate_streamed_and_whole(gpu):
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        streamed = await client.post(
            "/api/generate",
            json={"model": "qwen2.5-coder:7b", "prompt": "def add(a, b):", "system": "be brief"},
        )
        whole = await client.post(
            "/api/generate",
            json={"model": "qwen2.5-coder:7b", "prompt": "def add(a, b):", "stream": False},
        )
    *parts, final = ndjson(streamed)
    assert all(set(p) == {"model", "created_at", "response", "done"} for p in parts)
    assert final["done"] and final["response"] == "" and final["prompt_eval_count"] == 5
    assert all(isinstance(token, int) for token in final["context"])
    body = whole.json()
    assert body["response"] == "".join(p["response"] for p in parts)
    assert body["done_reason"] == "stop" and body["eval_count"] == len(parts)


async def test_images_are_accepted_and_reach_the_reply_function(make_sim):
    seen: list[SimRequest] = []

    def reply(request: SimRequest) -> str:
        seen.append(request)
        return "a small picture"

    sim = make_sim(reply=reply)
    async with httpx.AsyncClient(base_url=sim.url, verify=SSL) as client:
        ok = await client.post(
            "/api/chat",
            json={
                "model": "llava:34b",
                "stream": False,
                "messages": [{"role": "user", "content": "what is it?", "images": [PNG, PNG]}],
            },
        )
        gen = await client.post(
            "/api/generate",
            json={"model": "llava:34b", "prompt": "describe", "images": [PNG], "stream": False},
        )
        bad = await client.post(
            "/api/chat",
            json={
                "model": "llava:34b",
                "messages": [{"role": "user", "content": "x", "images": ["not base64!"]}],
            },
        )
    assert ok.json()["message"]["content"] == "a small picture"
    assert gen.json()["response"] == "a small picture"
    assert [(r.endpoint, r.images, r.prompt) for r in seen] == [
        ("/api/chat", 2, "what is it?"),
        ("/api/generate", 1, "describe"),
    ]
    assert bad.status_code == 400 and "illegal base64 data" in bad.json()["error"]


async def test_scripted_replies_then_function_then_echo(make_sim):
    sim = make_sim(replies=["first", "second"], reply=None)
    async with httpx.AsyncClient(base_url=sim.url, verify=SSL) as client:

        async def ask(text: str) -> str:
            body = await client.post("/api/chat", json=chat("llama3.1:8b", text, stream=False))
            return body.json()["message"]["content"]

        assert [await ask("a"), await ask("b")] == ["first", "second"]
        assert "echo me" in await ask("echo me")
        sim.set_reply(lambda request: request.prompt.upper())
        sim.queue_replies("queued wins")
        assert await ask("shout") == "queued wins"
        assert await ask("shout") == "SHOUT"


async def test_num_predict_stops_with_length(gpu):
    gpu.set_reply(lambda request: "one two three four five six seven")
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        body = (
            await client.post(
                "/api/chat",
                json=chat("llama3.1:8b", "count", stream=False, options={"num_predict": 3}),
            )
        ).json()
    assert body["message"]["content"] == "one two three"
    assert body["done_reason"] == "length" and body["eval_count"] == 3


async def test_errors_have_ollamas_status_and_text(gpu):
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        for path, body in (
            ("/api/chat", chat("ghost:7b", "hi")),
            ("/api/generate", {"model": "ghost:7b", "prompt": "hi"}),
            ("/api/embed", {"model": "ghost:7b", "input": "hi"}),
        ):
            response = await client.post(path, json=body)
            assert response.status_code == 404
            assert response.json() == {"error": "model 'ghost:7b' not found"}
        embed_only = await client.post("/api/chat", json=chat("nomic-embed-text", "hi"))
        assert embed_only.status_code == 400
        assert embed_only.json()["error"] == '"nomic-embed-text" does not support chat'
        empty = await client.post("/api/chat", content=b"")
        assert (empty.status_code, empty.json()["error"]) == (400, "missing request body")
        broken = await client.post("/api/chat", content=b"{oops")
        assert broken.status_code == 400 and "invalid character" in broken.json()["error"]
        parts = await client.post(
            "/api/chat",
            json={
                "model": "llama3.1:8b",
                "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
            },
        )
        assert parts.status_code == 400 and "cannot unmarshal array" in parts.json()["error"]
        no_model = await client.post("/api/chat", json={"messages": []})
        assert (no_model.status_code, no_model.json()["error"]) == (400, "model is required")
    await books_closed(gpu, 8)
    stats = gpu.stats()
    assert stats.failed == stats.requests == 8 and stats.served == 0
    assert stats.requests_by_path == {"/api/chat": 6, "/api/generate": 1, "/api/embed": 1}


async def test_requests_are_counted_per_endpoint_and_only_inference_counts(gpu):
    """A test can tell a chat call from an embedding (memory warms its embedder up)."""
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        embed = {"model": "nomic-embed-text", "input": "warm up"}
        assert (await client.post("/api/embed", json=embed)).status_code == 200
        assert (await client.post("/api/embed", json=embed)).status_code == 200
        assert (await client.get("/api/tags")).status_code == 200
        answer = await client.post("/api/chat", json=chat("llama3.1:8b", "hi", stream=False))
        assert answer.status_code == 200
        openai = {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "hi"}]}
        assert (await client.post("/v1/chat/completions", json=openai)).status_code == 200
    await books_closed(gpu, 4)
    stats = gpu.stats()
    assert stats.requests == 4
    assert stats.requests_by_path == {"/api/embed": 2, "/api/chat": 1, "/v1/chat/completions": 1}


# ---- VRAM, loading and eviction -------------------------------------------------------------


async def test_lru_eviction_and_cold_loads(make_sim):
    models = [model("a:4b", 4, load=5.0), model("b:4b", 4), model("c:4b", 4)]
    sim = make_sim(models=models, vram="10GB", keep_alive=None)
    async with httpx.AsyncClient(base_url=sim.url, verify=SSL) as client:

        async def use(name: str) -> dict:
            response = await client.post("/api/chat", json=chat(name, "hi", stream=False))
            assert response.status_code == 200
            return response.json()

        cold = await use("a:4b")
        await use("b:4b")
        await use("a:4b")
        assert sim.stats().cold_loads == {"a:4b": 1, "b:4b": 1}
        await use("c:4b")  # 12 GB > 10 GB: b is the least recently used
        stats = sim.stats()
        assert stats.evictions == {"b:4b": 1} and stats.loaded == ["a:4b", "c:4b"]
        ps = (await client.get("/api/ps")).json()["models"]
        assert {m["name"] for m in ps} == {"a:4b", "c:4b"}
        assert all(
            m["size_vram"] == m["size"] == 4 * GB and is_go_time(m["expires_at"]) for m in ps
        )
        await use("b:4b")
        stats = sim.stats()
    assert stats.cold_loads == {"a:4b": 1, "b:4b": 2, "c:4b": 1}
    assert stats.evictions == {"b:4b": 1, "a:4b": 1} and stats.loaded == ["c:4b", "b:4b"]
    assert stats.vram_used == 8 * GB
    assert cold["load_duration"] >= 0.9 * 5.0 * 1e9  # the load time, in simulated ns


async def test_a_busy_model_is_not_evicted_the_newcomer_waits(make_sim):
    gate = Gate()
    sim = make_sim(
        models=[model("a:7b", 7), model("b:7b", 7)],
        vram="10GB",
        num_parallel=2,
        keep_alive=None,
        reply=gate.reply,
    )
    async with httpx.AsyncClient(base_url=sim.url, timeout=30, verify=SSL) as client:
        first = asyncio.create_task(client.post("/api/chat", json=chat("a:7b", "one")))
        await until(lambda: sim.stats().loaded == ["a:7b"])
        second = asyncio.create_task(client.post("/api/chat", json=chat("b:7b", "two")))
        await until(lambda: sim.stats().in_flight == 2)
        assert sim.stats().loaded == ["a:7b"]  # b waits: a is busy and b does not fit beside it
        gate.open()
        replies = [await first, await second]
    assert [r.status_code for r in replies] == [200, 200]
    stats = sim.stats()
    assert stats.evictions == {"a:7b": 1} and stats.loaded == ["b:7b"]


async def test_keep_alive_load_and_unload(make_sim):
    sim = make_sim(keep_alive=1.0)  # one simulated second = 10 ms here
    async with httpx.AsyncClient(base_url=sim.url, verify=SSL) as client:
        loaded = await client.post("/api/chat", json={"model": "llama3.1:8b", "messages": []})
        assert loaded.json()["done_reason"] == "load"
        assert sim.stats().loaded == ["llama3.1:8b"]
        await asyncio.sleep(0.2)
        assert (await client.get("/api/ps")).json() == {"models": []}

        await client.post(
            "/api/generate",
            json={"model": "llama3.1:8b", "prompt": "hi", "stream": False, "keep_alive": "1h"},
        )
        await asyncio.sleep(0.2)
        assert [m["name"] for m in (await client.get("/api/ps")).json()["models"]] == [
            "llama3.1:8b"
        ]
        unloaded = await client.post(
            "/api/generate", json={"model": "llama3.1:8b", "keep_alive": 0}
        )
        assert unloaded.json()["done_reason"] == "unload"
        assert sim.stats().loaded == []
        await client.post("/api/chat", json=chat("llama3.1:8b", "x", keep_alive=0, stream=False))
        assert sim.stats().loaded == []
    assert sim.stats().cold_loads == {"llama3.1:8b": 3}


# ---- slots and queue ------------------------------------------------------------------------


async def test_one_slot_queues_fifo_and_refuses_past_max_queue(make_sim):
    gate = Gate()
    sim = make_sim(num_parallel=1, max_queue=2, reply=gate.reply)
    async with httpx.AsyncClient(base_url=sim.url, timeout=30, verify=SSL) as client:

        def send(text: str) -> asyncio.Task:
            return asyncio.create_task(
                client.post("/api/chat", json=chat("llama3.1:8b", text, stream=False))
            )

        tasks = [send("p1")]
        await until(lambda: sim.stats().in_flight == 1)
        tasks.append(send("p2"))
        await until(lambda: sim.stats().queued == 1)
        tasks.append(send("p3"))
        await until(lambda: sim.stats().queued == 2)
        refused = await client.post("/api/chat", json=chat("llama3.1:8b", "p4"))
        assert refused.status_code == 503
        assert refused.json()["error"].startswith("server busy, please try again.")
        gate.open()
        replies = [await task for task in tasks]
    assert [r.json()["message"]["content"] for r in replies] == [
        "answer to p1",
        "answer to p2",
        "answer to p3",
    ]
    await books_closed(sim, 4)
    stats = sim.stats()
    assert stats.admitted == ["p1", "p2", "p3"] and stats.max_in_flight == 1
    assert stats.rejected == 1 and stats.served == 3 and stats.failed == 1


async def test_parallel_slots_fill_before_queueing(make_sim):
    gate = Gate()
    sim = make_sim(num_parallel=3, reply=gate.reply)
    async with httpx.AsyncClient(base_url=sim.url, timeout=30, verify=SSL) as client:
        tasks = [
            asyncio.create_task(client.post("/api/chat", json=chat("llama3.1:8b", f"q{i}")))
            for i in range(6)
        ]
        await until(lambda: (sim.stats().in_flight, sim.stats().queued) == (3, 3))
        gate.open()
        replies = await asyncio.gather(*tasks)
    assert all(r.status_code == 200 and ndjson(r)[-1]["done"] for r in replies)
    await books_closed(sim, 6)
    stats = sim.stats()
    assert stats.max_in_flight == 3 and stats.served == 6 and stats.cold_loads == {"llama3.1:8b": 1}


async def test_32_concurrent_streams(make_sim):
    gate = Gate()

    async def reply(request: SimRequest) -> str:
        await gate.reply(request)
        return " ".join(["word"] * 50) + f" {request.prompt}"

    sim = make_sim(num_parallel=32, time_scale=0.002, reply=reply)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=sim.url, limits=limits, timeout=30, verify=SSL) as client:
        tasks = [
            asyncio.create_task(client.post("/api/chat", json=chat("qwen2.5-coder:7b", f"n{i}")))
            for i in range(32)
        ]
        await until(lambda: sim.stats().in_flight == 32)
        gate.open()  # all 32 stream at once from here
        replies = await asyncio.gather(*tasks)
    for i, response in enumerate(replies):
        *parts, final = ndjson(response)
        assert "".join(p["message"]["content"] for p in parts).endswith(f" n{i}")
        assert final["eval_count"] == 51
    await books_closed(sim, 32)
    stats = sim.stats()
    assert stats.served == 32 and stats.max_in_flight == 32 and stats.in_flight == 0


# ---- faults ---------------------------------------------------------------------------------


async def test_refuse_and_error_500_for_the_next_requests_only(gpu):
    gpu.fault("refuse", count=1)
    gpu.fault("error_500", count=1)
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        refused = await client.post("/api/chat", json=chat("llama3.1:8b", "a"))
        failed = await client.post("/v1/chat/completions", json=chat("llama3.1:8b", "b"))
        fine = await client.post("/api/chat", json=chat("llama3.1:8b", "c"))
        tags = await client.get("/api/tags")  # faults hit inference endpoints by default
    assert refused.status_code == 503 and "server busy" in refused.json()["error"]
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    assert fine.status_code == 200 and tags.status_code == 200
    assert gpu.stats().faults_fired == {"refuse": 1, "error_500": 1}


async def test_fault_for_one_model_and_every_path(gpu):
    gpu.fault("error_500", model="llava:34b")
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        assert (await client.post("/api/chat", json=chat("llava:34b", "x"))).status_code == 500
        assert (await client.post("/api/chat", json=chat("llama3.1:8b", "x"))).status_code == 200
        gpu.clear_faults()
        gpu.fault("refuse", paths=["*"], message="maintenance")
        tags = await client.get("/api/tags")
        assert (tags.status_code, tags.json()) == (503, {"error": "maintenance"})
        gpu.clear_faults()
        assert (await client.post("/api/chat", json=chat("llava:34b", "x"))).status_code == 200


async def test_hang_never_answers_and_holds_no_slot(gpu):
    gpu.fault("hang", count=1)
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/chat", json=chat("llama3.1:8b", "x"), timeout=0.3)
        assert gpu.stats().in_flight == 0
        after = await client.post("/api/chat", json=chat("llama3.1:8b", "y"))
    assert after.status_code == 200 and gpu.stats().faults_fired == {"hang": 1}


async def test_cut_mid_stream_after_n_tokens(gpu):
    gpu.fault("cut_mid_stream", count=2, after_tokens=3)
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        lines: list[dict] = []
        with pytest.raises(httpx.RemoteProtocolError):
            async with client.stream("POST", "/api/chat", json=chat("llama3.1:8b", "x")) as r:
                async for line in r.aiter_lines():
                    if line:
                        lines.append(json.loads(line))
        assert len(lines) == 3 and not any(line["done"] for line in lines)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/api/chat", json=chat("llama3.1:8b", "x", stream=False))
        whole = await client.post("/api/chat", json=chat("llama3.1:8b", "x", stream=False))
    assert whole.status_code == 200
    await books_closed(gpu, 3)
    stats = gpu.stats()
    assert stats.failed == 2 and stats.served == 1 and stats.in_flight == 0


async def test_stall_mid_stream_stops_writing_and_keeps_the_connection(gpu):
    gpu.fault("stall_mid_stream", count=1, after_tokens=2)
    lines: list[dict] = []
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        async with client.stream("POST", "/api/chat", json=chat("llama3.1:8b", "a b c d")) as r:
            assert r.status_code == 200
            stream = r.aiter_lines()

            async def next_line() -> dict:
                while not (line := await anext(stream)):
                    pass
                return json.loads(line)

            lines = [await next_line(), await next_line()]
            # Nothing more comes, and the connection stays open (a cut would raise instead).
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5):
                    await next_line()
        after = await client.post("/api/chat", json=chat("llama3.1:8b", "x", stream=False))
    assert not any(line["done"] for line in lines)
    assert after.status_code == 200
    await books_closed(gpu, 2)
    assert gpu.stats().faults_fired == {"stall_mid_stream": 1}


async def test_slow_first_token_shows_in_the_durations(gpu):
    gpu.fault("slow_first_token", count=1, delay=10.0)  # simulated seconds
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        slow = await client.post("/api/chat", json=chat("llama3.1:8b", "x", stream=False))
        fast = await client.post("/api/chat", json=chat("llama3.1:8b", "x", stream=False))
    assert slow.json()["total_duration"] >= 10 * 1e9 > fast.json()["total_duration"]


async def test_down_refuses_connections_and_comes_back_on_the_same_port(make_sim):
    sim = make_sim(keep_alive=None, time_scale=0.05)
    sim.set_reply(lambda request: " ".join(["tok"] * 2000))  # streams for ~1.2 s
    url = sim.url
    async with httpx.AsyncClient(base_url=url, timeout=30, verify=SSL) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            async with client.stream("POST", "/api/chat", json=chat("llama3.1:8b", "x")) as r:
                async for line in r.aiter_lines():
                    if line and not json.loads(line)["done"]:
                        await asyncio.to_thread(sim.fault, "down")
        with pytest.raises(httpx.ConnectError):
            await client.get("/api/version")
        await asyncio.to_thread(sim.start)
        assert sim.url == url
        assert (await client.get("/")).text == "Ollama is running"
        assert sim.stats().loaded == []  # a restarted Ollama starts empty
        sim.set_reply(None)
        assert (await client.post("/api/chat", json=chat("llama3.1:8b", "y"))).status_code == 200
    assert sim.stats().cold_loads == {"llama3.1:8b": 2}


# ---- embeddings -----------------------------------------------------------------------------


async def test_embed_is_deterministic_normalized_and_sized(make_sim):
    first, second = make_sim(), make_sim()
    texts = ["the cat sat on the mat", "the cat sat on a mat", "quarterly revenue grew"]
    async with httpx.AsyncClient(verify=SSL) as client:
        one = (
            await client.post(
                first.url + "/api/embed", json={"model": "nomic-embed-text", "input": texts}
            )
        ).json()
        again = (
            await client.post(
                second.url + "/api/embed", json={"model": "nomic-embed-text", "input": texts[0]}
            )
        ).json()
        short = (
            await client.post(
                first.url + "/api/embed",
                json={"model": "nomic-embed-text", "input": texts[0], "dimensions": 64},
            )
        ).json()
        big = (
            await client.post(first.url + "/api/embed", json={"model": "llama3.1:8b", "input": "x"})
        ).json()
        bad = await client.post(
            first.url + "/api/embed", json={"model": "nomic-embed-text", "input": [1, 2]}
        )
    vectors = one["embeddings"]
    assert one["model"] == "nomic-embed-text"
    assert one["prompt_eval_count"] == sum(len(text.split()) for text in texts)
    assert [len(v) for v in vectors] == [768, 768, 768] and len(big["embeddings"][0]) == 4096
    assert again["embeddings"][0] == vectors[0]
    assert all(abs(math.fsum(x * x for x in v) - 1) < 1e-6 for v in vectors)

    def cosine(a: list[float], b: list[float]) -> float:
        return math.fsum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    assert len(short["embeddings"][0]) == 64
    assert abs(math.fsum(x * x for x in short["embeddings"][0]) - 1) < 1e-6
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid input type"})


# ---- the OpenAI-compatible endpoint ---------------------------------------------------------


async def test_openai_chat_streamed_with_usage_and_whole(gpu):
    body = chat("llama3.1:8b", "tell me a joke")
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        whole = (await client.post("/v1/chat/completions", json=body)).json()
        plain = await client.post("/v1/chat/completions", json=body | {"stream": True})
        usage = await client.post(
            "/v1/chat/completions",
            json=body | {"stream": True, "stream_options": {"include_usage": True}},
        )
    assert whole["object"] == "chat.completion" and whole["id"].startswith("chatcmpl-")
    choice = whole["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert whole["usage"]["total_tokens"] == (
        whole["usage"]["prompt_tokens"] + whole["usage"]["completion_tokens"]
    )

    assert plain.headers["content-type"] == "text/event-stream"
    events = sse_events(plain.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == choice["message"]["content"]

    with_usage = [json.loads(event) for event in sse_events(usage.text)[:-1]]
    assert with_usage[-1]["choices"] == [] and with_usage[-1]["usage"] == whole["usage"]
    assert with_usage[-2]["choices"][0]["finish_reason"] == "stop"


async def test_openai_content_parts_and_errors(gpu):
    def message(*parts: dict) -> dict:
        return {"model": "llava:34b", "messages": [{"role": "user", "content": list(parts)}]}

    text = {"type": "text", "text": "what is this?"}
    async with httpx.AsyncClient(base_url=gpu.url, verify=SSL) as client:
        ok = await client.post(
            "/v1/chat/completions",
            json=message(
                text, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
            ),
        )
        remote = await client.post(
            "/v1/chat/completions",
            json=message(
                text, {"type": "image_url", "image_url": {"url": "https://example.org/a.png"}}
            ),
        )
        odd = await client.post("/v1/chat/completions", json=message({"type": "audio"}))
        empty = await client.post(
            "/v1/chat/completions", json={"model": "llava:34b", "messages": []}
        )
        missing = await client.post("/v1/chat/completions", json=chat("ghost:1b", "hi"))
    assert ok.status_code == 200
    assert "what is this?" in ok.json()["choices"][0]["message"]["content"]
    assert remote.status_code == 400
    assert remote.json()["error"]["message"].startswith("image URLs are not currently supported")
    assert odd.json()["error"] == {
        "message": "invalid message format",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert empty.status_code == 400
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"


# ---- the CLI entry point --------------------------------------------------------------------


def test_run_sim_cli_serves_until_ctrl_c():
    # A suite started with SIGINT ignored (nohup, `&` in a script, some CI runners) passes that
    # on to its children, and Python then installs no Ctrl-C handler: the child takes Ctrl-C
    # as a terminal would give it, whatever this process was started with.
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from alphaomega.testing.ollama_sim import run_sim_cli; "
        "run_sim_cli(int(sys.argv[1]), '127.0.0.1', ['tiny:1b=1GB'], '8GB', 2, 0.01)"
    )
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-c", code, str(port)], env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                tags = httpx.get(f"http://127.0.0.1:{port}/api/tags").json()
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        assert [m["name"] for m in tags["models"]] == ["tiny:1b"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
