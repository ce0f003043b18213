"""The built-in planner's answer as data: parsed, validated, scaled, made into pyautogui source."""

from __future__ import annotations

import json

import pytest

from alphaomega.agent import Frame, Pending, PlanError, parse_answer, to_step
from alphaomega.safety import validate_action

FRAME = Frame("", 1280, 720, 1920, 1080, b"")


def test_a_click_is_scaled_to_the_real_screen_and_is_canonical_source():
    step = to_step(parse_answer('{"action": "click", "x": 640, "y": 360, "target": "OK"}'), FRAME)
    assert step.source == "import pyautogui; pyautogui.click(960, 540, clicks=1, button='left')"
    assert step.description == "click 'OK' at (960, 540)"
    verdict = validate_action(step.source, screen=(1920, 1080))
    assert verdict.allowed and verdict.calls[0].args == [960, 540]


def test_an_answer_wrapped_in_prose_and_fences_is_read():
    text = 'Here you go:\n```json\n{"action": "double_click", "x": 10, "y": 20}\n```'
    step = to_step(parse_answer(text), FRAME)
    assert step.source.endswith("doubleClick(15, 30, button='left')")


@pytest.mark.parametrize(
    "text,problem",
    [
        ("", "did not answer with a JSON action"),
        ("click the button", "did not answer with a JSON action"),
        ('{"action": "click", x: 1}', "malformed"),
        ('{"action": "rm"}', "action"),
        ('{"action": "click", "x": 1}', "'click' needs y"),
        ('{"action": "type"}', "'type' needs text"),
        ('{"action": "scroll", "amount": 10000}', "amount"),
        ('{"action": "click", "x": "here", "y": 1}', "x"),
    ],
)
def test_malformed_answers_raise_a_readable_plan_error(text, problem):
    with pytest.raises(PlanError) as raised:
        parse_answer(text)
    assert problem in raised.value.user_message()


def test_typed_text_is_a_literal_even_when_it_looks_like_code():
    text = "'); import os; os.system('id'); ('"
    step = to_step(parse_answer(json.dumps({"action": "type", "text": text})), FRAME)
    verdict = validate_action(step.source, screen=(1920, 1080))
    assert [c.function for c in verdict.calls] == ["write"]
    assert verdict.calls[0].args == [text]


def test_control_words_and_hotkeys():
    assert to_step(parse_answer('{"action": "done"}'), FRAME).control == "DONE"
    assert to_step(parse_answer('{"action": "fail"}'), FRAME).control == "FAIL"
    hotkey = to_step(parse_answer('{"action": "hotkey", "keys": ["Ctrl", "S"]}'), FRAME)
    assert hotkey.source == "import pyautogui; pyautogui.hotkey('ctrl', 's')"


def test_a_pending_step_survives_the_round_trip_through_the_chat():
    pending = Pending(
        "Type `x` ```", "import pyautogui; pyautogui.write('a')", "type 'a'", 3, ["x"]
    )
    assert Pending.find("Step 3/8: ⏸ …\n\n" + pending.block()) == pending
    assert Pending.find("no block here") is None
    assert Pending.find("```agent-step\n{broken}\n```") is None
