"""Which memories a message needs: the rules on made-up scores, then the real service (mem0,
embedded Qdrant, the shipped MiniLM) with facts told in one chat and asked for in another.

The phrasings here are in neither benchmark set (bench/data/memory_*.jsonl)."""

from __future__ import annotations

import asyncio

import pytest

from alphaomega.memory import MemoryService
from alphaomega.memory._recall import Lexicon, RecallRules, bm25, choose, stem

from .conftest import started

RULES = RecallRules(score_threshold=0.6, personal_threshold=0.2, relative_cutoff=0.9, top_k=5)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def turn(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "Got it."}]


# -- the rules, on made-up similarities ----------------------------------------------------------


def test_word_forms_meet_after_stemming():
    assert stem("lives") == stem("living") == stem("live")
    assert stem("puppies") == stem("puppy")


def test_a_relation_word_also_looks_for_the_others_of_its_kind(lexicon):
    query = lexicon.query("where does my sibling live?")
    assert query[stem("sibling")] == 1.0
    assert 0 < query[stem("brother")] < 1.0 and 0 < query[stem("sister")] < 1.0


def test_a_message_speaks_of_the_person_in_several_languages_but_not_in_tell_me(lexicon):
    assert lexicon.speaks_of_person("Where did we park?")
    assert lexicon.speaks_of_person("¿Dónde vive mi hermana?")
    assert lexicon.speaks_of_person("Tell me about my cat")
    assert not lexicon.speaks_of_person("Tell me a fun fact about octopuses.")
    assert not lexicon.speaks_of_person("How does a jet engine work?")


def test_a_name_is_someone_only_next_to_a_relation_word(lexicon):
    names = lexicon.names_in("Book a table for Rafa on Friday.")
    assert lexicon.names_someone("My nephew Rafa is turning ten.", names)
    paris = lexicon.names_in("When was Paris founded?")
    assert not lexicon.names_someone("I ran the Paris half marathon in 2021.", paris)


def test_requests_to_the_assistant_are_told_apart_from_facts(lexicon):
    assert lexicon.is_request("Tell me about my cat")
    assert lexicon.is_request("Could you check my essay")
    assert lexicon.is_request("Is it going to rain?")
    assert not lexicon.is_request("My cat is called Miso.")


def test_bm25_rewards_the_rarer_shared_word():
    scores = bm25(
        {"garden": 1.0, "bee": 1.0},
        [["garden", "bee"], ["garden", "shed"], ["garden", "pond"], ["car"]],
    )
    assert scores[0] > scores[1] == scores[2] > scores[3] == 0.0


MEMORIES = ["My nephew Rafa is turning ten.", "I grow chillies on my balcony.", "I work in Ghent."]


def test_a_message_about_oneself_takes_a_loosely_similar_memory(lexicon):
    chosen = choose(
        lexicon,
        "what should I get the boy for his birthday, my sister's son?",
        MEMORIES,
        [0.28, 0.12, 0.05],
        RULES,
    )
    assert [MEMORIES[c.index] for c in chosen] == [MEMORIES[0]]


def test_a_general_message_needs_a_very_similar_memory(lexicon):
    message = "How do chillies get their heat?"
    assert choose(lexicon, message, MEMORIES, [0.05, 0.45, 0.02], RULES) == []
    assert [c.index for c in choose(lexicon, message, MEMORIES, [0.05, 0.7, 0.02], RULES)] == [1]


def test_only_memories_close_to_the_best_are_kept(lexicon):
    chosen = choose(lexicon, "where is my office?", MEMORIES, [0.3, 0.25, 0.5], RULES)
    assert [c.index for c in chosen] == [2]


def test_a_memory_in_the_messages_own_words_does_not_crowd_out_the_answer(lexicon):
    memories = ["Remind me of my pet", "My cat is named Miso."]
    chosen = choose(lexicon, "Remind me of my pet", memories, [1.0, 0.45], RULES)
    assert [memories[c.index] for c in chosen] == ["My cat is named Miso."]


# -- the real memory service --------------------------------------------------------------------


async def test_a_fact_is_recalled_by_paraphrase_in_a_new_chat(service):
    facts = {
        "What does my partner do for work?": "My girlfriend Priya is a dentist.",
        "Which tools do I need for my hobby?": "I restore old motorbikes in my garage.",
        "Welches Instrument lernt mein Kind?": "Meine Tochter heißt Lena und spielt Geige.",
        "What time is it where my sibling is?": "My sister Ines lives in Porto.",
    }
    for fact in facts.values():
        assert await service.remember("rosa", turn(fact))
    assert await service.remember("rosa", turn("I grew up on a sheep farm in Wales."))
    assert await service.flush(60)
    for question, fact in facts.items():
        found = await service.lookup("rosa", question)
        assert found.outcome == "ok"
        assert [h.text for h in found.hits][:1] == [fact], question


async def test_an_unrelated_message_injects_nothing(service):
    for fact in (
        "Mi hermano vive en Bogotá.",
        "Je travaille comme infirmière à Nantes.",
        "I keep bees in my back garden.",
    ):
        assert await service.remember("tomasz", turn(fact))
    assert await service.flush(60)
    for message in (
        "¿Qué es la inflación?",
        "Qu'est-ce qu'un trou noir ?",
        "¿Cómo se dice 'hello' en alemán?",
        "Tell me a fun fact about octopuses.",
    ):
        found = await service.lookup("tomasz", message)
        assert found.outcome == "ok"
        assert found.hits == [], message


async def test_two_people_with_the_same_kind_of_fact_never_cross(service):
    sisters = {"ana": "My sister Ines lives in Porto.", "ben": "My sister Carla lives in Gdańsk."}
    for person, fact in sisters.items():
        assert await service.remember(person, turn(fact))
    assert await service.flush(60)
    for person, fact in sisters.items():
        for question in (
            "What time is it where my sibling is?",
            "Is it raining at Carla's?",
            "Is it raining at Ines's place?",
        ):
            texts = {h.text for h in (await service.lookup(person, question)).hits}
            assert texts <= {fact}, (person, question)
        found = await service.lookup(person, "What time is it where my sibling is?")
        assert [h.text for h in found.hits] == [fact]


async def test_a_request_to_the_assistant_is_not_stored_as_a_fact(service):
    assert await service.remember("ana", turn("Tell me about my cat"))
    assert await service.remember("ana", turn("My cat is named Miso."))
    assert await service.flush(60)
    assert [h.text for h in await service.list("ana")] == ["My cat is named Miso."]
    found = await service.lookup("ana", "Remind me of my pet")
    assert [h.text for h in found.hits] == ["My cat is named Miso."]


async def test_recall_without_the_index_chooses_as_with_it(settings, local_embedder):
    """``search_index_mb`` 0 (every search asks Qdrant through mem0): the same choice."""
    plain = await started(
        MemoryService(settings.model_copy(update={"search_index_mb": 0}), embedder=local_embedder)
    )
    try:
        assert plain._backend.store is None
        for fact in ("My sister Ines lives in Porto.", "I restore old motorbikes in my garage."):
            assert await plain.remember("ana", turn(fact))
        assert await plain.flush(60)
        found = await plain.lookup("ana", "What time is it where my sibling is?")
        assert [h.text for h in found.hits] == ["My sister Ines lives in Porto."]
        assert (await plain.lookup("ana", "¿Qué es la inflación?")).hits == []
    finally:
        await asyncio.to_thread(plain.close)
