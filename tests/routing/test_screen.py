"""Looking at the screen or acting on it: which computer-use model a message needs."""

import json
from pathlib import Path

import pytest

from alphaomega.routing import wants_screen_action

DATA = Path(__file__).resolve().parents[1] / "data" / "screen_look_act.jsonl"
CASES = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["text"][:40])
def test_the_labelled_messages(case):
    assert wants_screen_action(case["text"]) == (case["kind"] == "act")


@pytest.mark.parametrize(
    "text,act",
    [
        ("What's on my screen?", False),
        ("Click the Submit button", True),
        ("please, could you click Submit", True),
        ("check the box that says remember me", True),
        ("check whether the upload finished", False),
        ("which buttons can I press here?", False),
        ("", False),
    ],
)
def test_when_unsure_it_looks(text, act):
    assert wants_screen_action(text) is act
