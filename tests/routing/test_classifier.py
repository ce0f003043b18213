"""The fast router: the labeled set as a quality gate, the image rule, and its contract."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from alphaomega.routing import INTENTS, RouteDecision, classify, warm_up
from alphaomega.routing._features import tokenize
from alphaomega.routing._training import training_samples

DATA = Path(__file__).resolve().parents[1] / "data" / "routing.jsonl"
GATE = 0.95
PER_CLASS_FLOOR = 0.85


def load_set() -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def labeled() -> list[dict]:
    warm_up()
    return load_set()


def test_labeled_set_is_large_balanced_and_well_formed(labeled):
    assert len(labeled) >= 250
    for row in labeled:
        assert set(row) == {"text", "has_image", "intent"}
        assert isinstance(row["text"], str) and isinstance(row["has_image"], bool)
        assert row["intent"] in INTENTS
    per_class = Counter(row["intent"] for row in labeled)
    assert set(per_class) == set(INTENTS)
    assert min(per_class.values()) >= 40


def test_labeled_set_is_disjoint_from_training_exemplars(labeled):
    def words(text: str) -> str:
        return " ".join(tokenize(text))

    trained = {words(text) for text, _, _ in training_samples()}
    overlap = [row["text"] for row in labeled if row["text"] and words(row["text"]) in trained]
    assert overlap == []


def test_fast_stage_accuracy_gate(labeled):
    wrong = []
    for row in labeled:
        decision = classify(row["text"], has_image=row["has_image"])
        if decision.intent != row["intent"]:
            wrong.append((row["intent"], decision.intent, row["text"][:60]))
    accuracy = 1 - len(wrong) / len(labeled)
    assert accuracy >= GATE, f"accuracy {accuracy:.3f} below {GATE}; misrouted: {wrong}"


@pytest.mark.parametrize("intent", INTENTS)
def test_every_class_is_recognised(labeled, intent):
    rows = [row for row in labeled if row["intent"] == intent]
    hits = sum(classify(r["text"], has_image=r["has_image"]).intent == intent for r in rows)
    assert hits / len(rows) >= PER_CLASS_FLOOR


@pytest.mark.parametrize(
    ("text", "has_image", "intent"),
    [
        ("schreib mir eine Python-Funktion", False, "code"),
        ("génère une image d'un chat", False, "image_generation"),
        ("abre el navegador y haz clic en el enlace de contacto", False, "computer_use"),
        ("explain how image generation works", False, "general"),
        ("write Python that draws a PNG with PIL", False, "code"),
        ("what is in this picture", True, "vision"),
        ("describe the photo", False, "general"),
        ("open Firefox and click the download button", False, "computer_use"),
        ("take a screenshot and fill in the form", False, "computer_use"),
        ("build me a full-stack todo app with login and deploy it", False, "factory"),
    ],
)
def test_examples_from_the_brief(text, has_image, intent):
    assert classify(text, has_image=has_image).intent == intent


def test_text_about_an_image_needs_the_image():
    with_image = classify("what is in this picture?", has_image=True)
    without = classify("what is in this picture?", has_image=False)
    assert (with_image.intent, without.intent) == ("vision", "general")


def test_an_attached_image_takes_code_and_chat_to_vision():
    assert classify("write a python function for this", has_image=True).intent == "vision"
    assert classify("write a python function for this", has_image=False).intent == "code"
    assert classify("", has_image=True).intent == "vision"
    assert classify("", has_image=False).intent == "general"


def test_an_attached_image_still_reaches_the_backends_that_make_things():
    edit = classify("turn this photo into an oil painting", has_image=True)
    assert edit.intent == "image_generation"


def test_decision_contract():
    decision = classify("generate an image of a red fox in the snow")
    assert isinstance(decision, RouteDecision)
    assert decision.stage == "fast"
    assert 0.0 <= decision.confidence <= 1.0
    assert set(decision.scores) == set(INTENTS)
    assert sum(decision.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert decision.confidence == pytest.approx(decision.scores["image_generation"], abs=1e-3)
    assert decision.text == "generate an image of a red fox in the snow"
    assert decision.as_metadata()["intent"] == "image_generation"


def test_confident_on_clear_requests_unsure_on_empty_text():
    clear = classify("write a Python function that reverses a string")
    empty = classify("")
    assert clear.confidence > 0.8
    assert empty.confidence < 0.5


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!...", "🙂🙂🙂", "x" * 5000, "def f():\n    pass\n" * 4000, "Ωμέγα 日本語 ÄÖÜ"],
)
def test_odd_inputs_are_classified(text):
    decision = classify(text)
    assert decision.intent in INTENTS
    assert 0.0 <= decision.confidence <= 1.0


def test_a_long_paste_is_read_at_both_ends():
    log_paste = "INFO worker started\n" * 3000
    tail = "\nwhy does my python script crash with this traceback? fix the code"
    assert classify(log_paste + tail).intent == "code"


def test_decisions_are_deterministic():
    texts = ["draw a cat", "open the browser", "what is love", "make a todo app with login"]
    assert [classify(t) for t in texts] == [classify(t) for t in texts]


def test_warm_up_is_idempotent():
    warm_up()
    assert warm_up() == 0.0


# Phrasings of the outside test's miss categories, in neither the training data nor the
# held-out benchmark set (bench/data/routing_heldout.jsonl).
@pytest.mark.parametrize(
    "text",
    [
        "set me up a Java starter service that comes with tests and a Dockerfile",
        "prepare a PHP starter project with tests, composer setup and a Dockerfile",
        "create a Kotlin starter repo with tests and a Dockerfile",
        "new Elixir service please, with tests and a Dockerfile",
        "Leg mir ein neues Rust-Projekt mit Tests und einem Dockerfile an",
        "Prépare un projet de départ en Go avec des tests et un Dockerfile",
        "Crea un proyecto inicial en Rust con tests y un Dockerfile",
    ],
)
def test_project_scaffolding_goes_to_the_factory(text):
    assert classify(text).intent == "factory"


@pytest.mark.parametrize(
    "text",
    [
        "what's up on my screen right now?",
        "can you tell what's displayed on my screen",
        "tell me what's on the display",
        "what am I seeing in this window right now?",
        "look at the screen and read the warning",
        "what's currently open on my laptop?",
        "Was wird mir gerade auf dem Bildschirm angezeigt?",
        "Cosa mostra lo schermo in questo momento?",
        "Wat laat mijn scherm nu zien?",
    ],
)
def test_questions_about_the_screen_go_to_the_desktop_agent(text):
    assert classify(text).intent == "computer_use"


@pytest.mark.parametrize(
    "text",
    [
        "what app is open on the screen here?",
        "read me the warning shown on this monitor",
        "which window is in front in this capture?",
    ],
)
def test_questions_about_a_screen_with_a_screenshot_attached_go_to_vision(text):
    assert classify(text, has_image=True).intent == "vision"


@pytest.mark.parametrize(
    "text",
    [
        "cool, that's sorted then",
        "thank you, the script runs now",
        "Gracias, ¡ya compila!",
        "are programmers generally happy with their jobs?",
        "is Java still worth learning in 2025 for a career?",
        "Wer hat JavaScript erfunden und wann?",
    ],
)
def test_small_talk_and_general_questions_about_programming_are_chat(text):
    assert classify(text).intent == "general"
