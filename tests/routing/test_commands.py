"""Explicit slash commands."""

from __future__ import annotations

import pytest

from alphaomega.routing import COMMANDS, classify, parse_command


@pytest.mark.parametrize(
    ("command", "intent"),
    [
        ("/code", "code"),
        ("/vision", "vision"),
        ("/image", "image_generation"),
        ("/screen", "computer_use"),
        ("/factory", "factory"),
    ],
)
def test_each_command_routes_with_full_confidence(command, intent):
    decision = classify(f"{command} tell me a joke about cats")
    assert (decision.intent, decision.confidence, decision.stage) == (intent, 1.0, "command")
    assert decision.text == "tell me a joke about cats"
    assert decision.scores == {}


def test_command_wins_over_the_image_rule():
    assert classify("/code what does this screenshot show", has_image=True).intent == "code"
    assert classify("/vision", has_image=False).intent == "vision"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/code fix this", ("code", "fix this")),
        ("  /IMAGE   a red fox", ("image_generation", "a red fox")),
        ("/screen: open firefox", ("computer_use", "open firefox")),
        ("/factory\nbuild a shop", ("factory", "build a shop")),
        ("/code", ("code", "")),
        ("/vision?", ("vision", "?")),
    ],
)
def test_parse_command_splits_the_command_off(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["/codebase is big", "/images/cat.png", "/unknown do it", "please /code this", "code: x", "/"],
)
def test_not_a_command(text):
    assert parse_command(text) == (None, text)
    assert classify(text).stage == "fast"


def test_the_command_table_covers_the_documented_commands():
    assert set(COMMANDS) == {"code", "vision", "image", "screen", "factory"}
