"""Long-term memory through the real Pipelines server: real mem0, embedded Qdrant, a real
sentence-transformers embedder, the filters called in Open WebUI's order."""

import json
import random
import time

import pytest

from alphaomega.testing import PipelinesServer
from alphaomega.testing.owu_flow import OpenWebUIFlow, user_record

pytest.importorskip("mem0")
pytest.importorskip("sentence_transformers")

CODE = "alphaomega_code.qwen2.5-coder:7b"
MEMORY = "alphaomega_memory"


@pytest.fixture(scope="module")
def memory_server(sim, tmp_path_factory):
    with PipelinesServer(
        tmp_path_factory.mktemp("memory"), env={"ALPHAOMEGA_FLEET": sim.url}
    ) as running:
        valves = running.client.get(f"/{MEMORY}/valves").json()
        valves.update(embedder="local", infer=False, budget_ms=5000)
        assert running.client.post(f"/{MEMORY}/valves/update", json=valves).status_code == 200
        yield running


@pytest.fixture
def flow(memory_server, sim):
    sim.set_reply(lambda request: json.dumps(request.messages))
    return OpenWebUIFlow(memory_server)


def command(flow, user, text):
    return flow.turn(CODE, text, user=user, stream=False).reply


def wait_listed(flow, user, needle, present=True, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = command(flow, user, "/memories")
        if (needle in listing) == present:
            return listing
        time.sleep(0.3)
    raise AssertionError(f"{needle!r} {'never' if present else 'still'} listed: {listing}")


def injected(turn) -> str:
    """The memory block the model saw (the simulator echoed the messages it got)."""
    messages = json.loads(turn.reply)
    return "\n".join(
        m["content"] for m in messages if m["role"] == "system" and "<memories>" in m["content"]
    )


def test_a_fact_told_in_one_chat_is_recalled_in_a_later_chat_and_forgotten(flow):
    alice = user_record("alice-mem")
    flow.turn(
        CODE,
        "My dog is called Biscuit and she loves the beach.",
        user=alice,
        chat_id="chat-a1",
        stream=False,
    )
    wait_listed(flow, alice, "Biscuit")
    later = flow.turn(CODE, "What is my dog's name?", user=alice, chat_id="chat-a2")
    assert "Biscuit" in injected(later)
    assert later.inlet_body["metadata"]["alphaomega_memory"]["hits"]

    forgot = command(flow, alice, "/forget Biscuit")
    assert "Biscuit" in forgot
    wait_listed(flow, alice, "Biscuit", present=False)
    after = flow.turn(CODE, "What is my dog's name?", user=alice, chat_id="chat-a3")
    assert "Biscuit" not in injected(after)


def test_a_fact_is_recalled_in_a_new_chat_when_asked_in_other_words(flow):
    dana = user_record("dana-mem")
    flow.turn(
        CODE,
        "My brother Olek moved to Tromsø in March.",
        user=dana,
        chat_id="chat-d1",
        stream=False,
    )
    flow.turn(CODE, "I am learning to play the cello.", user=dana, chat_id="chat-d1", stream=False)
    wait_listed(flow, dana, "Olek")
    wait_listed(flow, dana, "cello")
    later = flow.turn(
        CODE, "How dark is it in winter where my sibling lives?", user=dana, chat_id="chat-d2"
    )
    assert "Olek" in injected(later)
    assert "cello" not in injected(later)
    unrelated = flow.turn(CODE, "How do I boil an egg?", user=dana, chat_id="chat-d3")
    assert injected(unrelated) == ""


def test_commands_are_answered_without_the_model(flow, sim):
    bob = user_record("bob-mem")
    before = sim.stats().requests
    listing = command(flow, bob, "/memories")
    assert "no memories" in listing.lower()
    assert sim.stats().requests == before


def test_two_users_with_similar_facts_never_see_each_other(flow):
    people = {user_record(f"user-{i}")["id"]: f"Pet{i}ix" for i in range(2)}
    users = {uid: user_record(uid) for uid in people}
    for uid, pet in people.items():
        flow.turn(CODE, f"My cat is named {pet}.", user=users[uid], stream=False)
    for uid, pet in people.items():
        wait_listed(flow, users[uid], pet)
    rng = random.Random(7)
    order = [uid for uid in people for _ in range(6)]
    rng.shuffle(order)
    for uid in order:
        turn = flow.turn(
            CODE,
            rng.choice(["What is my cat called?", "Remind me of my pet", "Tell me about my cat"]),
            user=users[uid],
        )
        seen = injected(turn)
        assert people[uid] in seen
        for other, pet in people.items():
            if other != uid:
                assert pet not in seen, f"{uid} saw {other}'s memory"
        assert all(
            pet not in command(flow, users[uid], "/memories")
            for other, pet in people.items()
            if other != uid
        )


def test_task_requests_are_neither_searched_nor_stored(flow):
    carol = user_record("carol-mem")
    turn = flow.turn(
        CODE,
        "Generate a title: my password hint is Zanzibar",
        user=carol,
        stream=False,
        task="title_generation",
    )
    assert "alphaomega_memory" not in turn.inlet_body.get("metadata", {})
    # A person's turns are stored in order: once a later chat turn of carol's is listed, the
    # task turn would have been stored by then too, had it been queued.
    flow.turn(CODE, "My favourite tree is the cork oak.", user=carol, stream=False)
    listing = wait_listed(flow, carol, "cork oak")
    assert "Zanzibar" not in listing


def test_an_inlet_never_waits_past_its_budget_when_the_embedder_hangs(memory_server, sim):
    valves = memory_server.client.get(f"/{MEMORY}/valves").json()
    valves.update(embedder="ollama", budget_ms=150)
    memory_server.client.post(f"/{MEMORY}/valves/update", json=valves)
    sim.fault("hang", paths=("/api/embed",))
    body = {
        "model": CODE,
        "messages": [{"role": "user", "content": "what do you know?"}],
        "metadata": {"chat_id": "c", "message_id": "m"},
    }
    try:
        for _ in range(3):
            started = time.monotonic()
            response = memory_server.inlet(MEMORY, body, user_record("dave-mem"))
            elapsed = time.monotonic() - started
            assert response.status_code == 200
            assert response.json()["messages"] == body["messages"]
            assert elapsed < 1.5, f"the inlet waited {elapsed:.2f} s with a 150 ms budget"
    finally:
        sim.clear_faults()
        valves.update(embedder="local", budget_ms=5000)
        memory_server.client.post(f"/{MEMORY}/valves/update", json=valves)
