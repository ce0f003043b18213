"""Explicit routing commands a person types at the start of a message (``/code fix this``)."""

from __future__ import annotations

import re

from ._decision import Intent

COMMANDS: dict[str, Intent] = {
    "code": "code",
    "vision": "vision",
    "image": "image_generation",
    "screen": "computer_use",
    "factory": "factory",
}

# A command is a whole word: "/codebase" or "/images/x.png" are not commands.
_COMMAND = re.compile(r"\s*/([A-Za-z]+)(?=$|[\s:,.!?])[\s:,]*", re.ASCII)


def parse_command(text: str) -> tuple[Intent | None, str]:
    """Split a leading slash command off ``text``.

    Returns ``(intent, rest)`` when the message starts with one of :data:`COMMANDS`
    (case-insensitive), else ``(None, text)`` unchanged.
    """
    match = _COMMAND.match(text)
    if match is None:
        return None, text
    intent = COMMANDS.get(match.group(1).lower())
    if intent is None:
        return None, text
    return intent, text[match.end() :].strip()
