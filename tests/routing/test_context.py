"""The conversation around a message: where its images are, and follow-ups that point back."""

from __future__ import annotations

import pytest

from alphaomega.routing import classify_messages, image_placement
from alphaomega.routing._context import RECENT_USER_TURNS, refers_back

IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}


def with_picture(caption: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": caption}, IMAGE]}


def chat(*turns: dict | str) -> list[dict]:
    """User turns (a str is a text-only one) with an assistant reply after each but the last."""
    messages: list[dict] = []
    for turn in turns:
        if messages:
            messages.append({"role": "assistant", "content": "Sure."})
        messages.append(turn if isinstance(turn, dict) else {"role": "user", "content": turn})
    return messages


def test_image_placement_tells_now_from_earlier():
    assert image_placement(chat(with_picture("look"))) == (True, False)
    assert image_placement(chat(with_picture("look"), "and now?")) == (False, True)
    assert image_placement(chat("hi", "hello again")) == (False, False)
    assert image_placement([]) == (False, False)
    assert image_placement([{"role": "assistant", "content": [IMAGE]}]) == (False, False)


def test_a_picture_too_many_turns_back_no_longer_counts():
    turns = [with_picture("look"), *["more"] * RECENT_USER_TURNS, "and this?"]
    assert image_placement(chat(*turns)) == (False, False)
    assert image_placement(chat(*turns[1:])) == (False, False)
    assert image_placement(chat(*turns[:-1])) == (False, True)


@pytest.mark.parametrize(
    "text",
    [
        "is that a real painting or a print?",
        "zoom into the top left corner of the photo for me",
        "Welche Farbe hat das Auto darauf?",
        "¿Cuántas ventanas tiene la casa de la foto?",
        "¿Y cuántas personas salen en ella?",
    ],
)
def test_refers_back_finds_the_picture_or_a_pronoun(text):
    assert refers_back(text)


@pytest.mark.parametrize("text", ["write me a poem about spring", "what's the capital of Peru"])
def test_refers_back_ignores_new_topics(text):
    assert not refers_back(text)


@pytest.mark.parametrize(
    "follow_up",
    [
        "how old would you say the man in the photo is?",
        "and what breed is it?",
        "could you transcribe the second line of it as well",
        "Welche Farbe hat das Auto darauf?",
        "¿De qué color es el coche en esa foto?",
        "¿Y cuántas personas salen en ella?",
        "Quanto costa il vino nella foto?",
    ],
)
def test_a_question_about_an_earlier_picture_goes_to_vision(follow_up):
    decision = classify_messages(chat(with_picture("have a look"), follow_up))
    assert decision.intent == "vision"
    assert "earlier" in decision.reason


@pytest.mark.parametrize(
    ("follow_up", "intent"),
    [
        ("great, many thanks!", "general"),
        ("unrelated, but write a Go function that sums a slice of ints", "code"),
        ("draw a watercolour hedgehog holding an umbrella", "image_generation"),
    ],
)
def test_a_new_topic_after_a_picture_goes_where_its_words_say(follow_up, intent):
    assert classify_messages(chat(with_picture("have a look"), follow_up)).intent == intent


def test_an_attached_picture_still_decides_for_the_message():
    decision = classify_messages(chat("hi", with_picture("what breed is this dog?")))
    assert decision.intent == "vision" and decision.reason == "model, image attached"
