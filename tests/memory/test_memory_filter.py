"""The memory filter file, loaded the way the Pipelines server loads it, on Open WebUI's bodies."""

from __future__ import annotations

import asyncio
import copy

import pytest

from alphaomega.memory import MemorySettings
from alphaomega.memory import _backend as backend
from alphaomega.memory import _logic as logic
from tests.plugin_files import load_filter as load_plugin_file

from .conftest import HangingEmbedder

FILTER = "filters/memory_filter.py"
ANA = {
    "id": "31f597ea-9203-4deb-acb4-9c8d140b5381",
    "email": "ana@example.org",
    "name": "Ana",
    "role": "user",
}
BEN = {
    "id": "7d0e3c1a-0000-4000-8000-000000000002",
    "email": "ben@example.org",
    "name": "Ben",
    "role": "user",
}


def load_filter():
    return load_plugin_file(FILTER)


async def started_filter(tmp_path, monkeypatch, embedder, **valves):
    monkeypatch.setattr(backend, "make_embedder", lambda settings: embedder)
    pipeline = load_filter()
    pipeline.valves = pipeline.Valves(
        **{"data_dir": str(tmp_path), "embedder": "local", "budget_ms": 60_000, **valves}
    )
    await pipeline.on_startup()
    return pipeline


@pytest.fixture
async def memory_filter(tmp_path, monkeypatch, local_embedder):
    pipeline = await started_filter(tmp_path, monkeypatch, local_embedder)
    assert await pipeline.hooks.service.wait_ready(120)
    yield pipeline
    await pipeline.on_shutdown()


def inlet_body(owu_inlet, text: str, **metadata) -> dict:
    body = copy.deepcopy(owu_inlet["body"])
    body["messages"] = [{"role": "user", "content": text}]
    body["metadata"].update(metadata)
    return body


def outlet_body(owu_outlet, question: str, answer: str) -> dict:
    body = copy.deepcopy(owu_outlet["body"])
    body["messages"][0]["content"] = question
    body["messages"][1]["content"] = answer
    return body


def test_the_filter_declares_itself_as_the_server_expects():
    pipeline = load_filter()
    assert pipeline.type == "filter" and pipeline.name
    assert pipeline.valves.pipelines == ["*"] and isinstance(pipeline.valves.priority, int)
    assert pipeline.valves.budget_ms == 150
    assert set(type(pipeline.valves).model_fields) >= {
        "qdrant_url",
        "embedder",
        "top_k",
        "score_threshold",
        "infer",
        "queue_size",
    }


async def test_a_fact_told_in_one_chat_is_recalled_in_a_later_chat(
    memory_filter, owu_inlet, owu_outlet
):
    told = outlet_body(owu_outlet, "My daughter is named Sofia.", "What a lovely name!")
    assert await memory_filter.outlet(copy.deepcopy(told), ANA) == told
    assert await memory_filter.hooks.service.flush(60)

    later = inlet_body(owu_inlet, "What is my kid called?", chat_id="a-later-chat")
    answered = await memory_filter.inlet(copy.deepcopy(later), ANA)
    system = [m for m in answered["messages"] if m["role"] == "system"]
    assert len(system) == 1 and "- My daughter is named Sofia." in system[0]["content"]
    assert answered["messages"][-1] == later["messages"][-1]
    note = answered["metadata"][logic.METADATA_KEY]
    assert note["outcome"] == "ok" and len(note["hits"]) == 1

    for_ben = await memory_filter.inlet(copy.deepcopy(later), BEN)
    assert for_ben["messages"] == later["messages"]
    assert for_ben["metadata"][logic.METADATA_KEY]["hits"] == []


async def test_commands_answer_without_the_model_and_are_not_stored(
    memory_filter, owu_inlet, owu_outlet
):
    await memory_filter.outlet(outlet_body(owu_outlet, "I live in Lisbon.", "Nice city."), ANA)
    await memory_filter.outlet(outlet_body(owu_outlet, "I play tennis.", "Great sport."), ANA)
    assert await memory_filter.hooks.service.flush(60)

    listed = await memory_filter.inlet(inlet_body(owu_inlet, "/memories"), ANA)
    reply = logic.direct_reply(listed)
    assert "I live in Lisbon." in reply and "I play tennis." in reply
    assert listed["messages"][-1]["content"] == f"<reply>\n{reply}\n</reply>"
    await memory_filter.outlet(outlet_body(owu_outlet, "/memories", reply), ANA)

    forgot = await memory_filter.inlet(inlet_body(owu_inlet, "/forget lisbon"), ANA)
    assert "I live in Lisbon." in logic.direct_reply(forgot)
    await memory_filter.outlet(outlet_body(owu_outlet, "/forget lisbon", "Forgot"), ANA)
    assert await memory_filter.hooks.service.flush(60)
    assert [h.text for h in await memory_filter.hooks.service.list(ANA["id"])] == ["I play tennis."]

    everything = await memory_filter.inlet(inlet_body(owu_inlet, "/forget all"), ANA)
    assert logic.direct_reply(everything) == logic.format_forgot_all(1)
    empty = await memory_filter.inlet(inlet_body(owu_inlet, "/memories"), ANA)
    assert logic.direct_reply(empty) == "I have no memories of you yet."
    usage = await memory_filter.inlet(inlet_body(owu_inlet, "/forget"), ANA)
    assert logic.direct_reply(usage) == logic.HELP_TEXT


async def test_open_webui_tasks_are_neither_searched_nor_stored(
    memory_filter, owu_inlet, owu_outlet
):
    await memory_filter.outlet(outlet_body(owu_outlet, "I live in Lisbon.", "Nice."), ANA)
    assert await memory_filter.hooks.service.flush(60)
    task = inlet_body(owu_inlet, "Where do I live? Generate a title.", task="title_generation")
    assert await memory_filter.inlet(copy.deepcopy(task), ANA) == task
    as_task = outlet_body(owu_outlet, "I own a boat.", "Title: Boats")
    as_task["metadata"] = {"task": "title_generation"}
    await memory_filter.outlet(as_task, ANA)
    assert await memory_filter.hooks.service.flush(60)
    assert [h.text for h in await memory_filter.hooks.service.list(ANA["id"])] == [
        "I live in Lisbon."
    ]
    assert memory_filter.hooks.service.stats.searches == 0


async def test_a_request_without_a_person_is_left_alone(memory_filter, owu_inlet, owu_outlet):
    body = inlet_body(owu_inlet, "Where do I live?")
    assert await memory_filter.inlet(copy.deepcopy(body), None) == body
    assert await memory_filter.inlet(copy.deepcopy(body), {"name": "no id"}) == body
    await memory_filter.outlet(outlet_body(owu_outlet, "I live in Lisbon.", "Nice."), None)
    assert await memory_filter.hooks.service.flush(60)
    assert memory_filter.hooks.service.stats.stored == 0


async def test_a_full_inlet_never_waits_past_its_budget_when_the_embedder_hangs(
    tmp_path, monkeypatch, local_embedder, owu_inlet
):
    hanging = HangingEmbedder(local_embedder)
    pipeline = await started_filter(tmp_path, monkeypatch, hanging, budget_ms=300)
    try:
        assert await pipeline.hooks.service.wait_ready(120)
        hanging.hang.set()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.05)
        before = ticks
        bodies = [inlet_body(owu_inlet, f"question {n}") for n in range(3)]
        answered = await asyncio.gather(*(pipeline.inlet(copy.deepcopy(b), ANA) for b in bodies))
        during = ticks - before
        ticking.cancel()
        assert during >= 5, f"the loop ticked {during} times during three inlets"
        for sent, got in zip(bodies, answered, strict=True):
            assert got["messages"] == sent["messages"]
            assert got["metadata"][logic.METADATA_KEY]["outcome"] == "timeout"
    finally:
        hanging.release()
        await pipeline.on_shutdown()


async def test_without_a_backend_chats_pass_through_and_commands_say_why(
    tmp_path, monkeypatch, local_embedder, owu_inlet, owu_outlet
):
    pipeline = await started_filter(
        tmp_path, monkeypatch, local_embedder, qdrant_url="http://127.0.0.1:9"
    )
    try:
        service = pipeline.hooks.service
        for _ in range(200):
            if service.state == "unavailable":
                break
            await asyncio.sleep(0.05)
        body = inlet_body(owu_inlet, "Where do I live?")
        assert await pipeline.inlet(copy.deepcopy(body), ANA) == body
        told = outlet_body(owu_outlet, "I live in Lisbon.", "Nice.")
        assert await pipeline.outlet(copy.deepcopy(told), ANA) == told
        listed = await pipeline.inlet(inlet_body(owu_inlet, "/memories"), ANA)
        assert logic.direct_reply(listed).startswith("Memory is not available right now")
    finally:
        await pipeline.on_shutdown()


async def test_changed_valves_reopen_the_memory_and_keep_what_it_holds(
    memory_filter, owu_inlet, owu_outlet
):
    await memory_filter.outlet(outlet_body(owu_outlet, "I live in Lisbon.", "Nice."), ANA)
    assert await memory_filter.hooks.service.flush(60)
    first = memory_filter.hooks.service
    memory_filter.valves = memory_filter.Valves(
        **{**memory_filter.valves.model_dump(), "top_k": 2, "queue_size": 16}
    )
    await memory_filter.on_valves_updated()
    second = memory_filter.hooks.service
    assert second is not first and first.state == "closed"
    assert await second.wait_ready(120)
    listed = await memory_filter.inlet(inlet_body(owu_inlet, "/memories"), ANA)
    assert "I live in Lisbon." in logic.direct_reply(listed)


@pytest.mark.parametrize(
    ("qdrant_url", "key_sent"),
    [("http://qdrant:6333/", "qk-deployment"), ("http://qdrant.example.net:6333", None)],
)
def test_the_qdrant_api_key_goes_only_to_the_deployments_own_qdrant(
    monkeypatch, qdrant_url, key_sent
):
    import qdrant_client

    monkeypatch.setenv("ALPHAOMEGA_QDRANT_URL", "http://qdrant:6333")
    monkeypatch.setenv("QDRANT_API_KEY", "qk-deployment")
    made = []
    monkeypatch.setattr(qdrant_client, "QdrantClient", lambda **kwargs: made.append(kwargs))
    pipeline = load_filter()
    pipeline.valves = pipeline.Valves(**{**pipeline.valves.model_dump(), "qdrant_url": qdrant_url})

    backend.make_qdrant_client(MemorySettings.from_valves(pipeline.valves))

    assert made[0]["url"] == qdrant_url and made[0]["api_key"] == key_sent
