"""What the conversation around a message tells the router: where its images are, and whether
the message points back at one.

Open WebUI sends the whole conversation with every turn. A picture sent two turns ago is still
in it, and a follow-up such as "which quarter in the chart was the weakest?" needs the model that
can see that picture, even though nothing is attached now. A follow-up that no longer talks
about the picture ("thanks! now write me a haiku") goes where its words say.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from ._datafiles import load_json
from ._features import tokenize

# A picture further back than this many user turns is no longer what "it" means.
RECENT_USER_TURNS = 3
REFERENCE_FILE = "context.json"


@cache
def _reference_words() -> frozenset[str]:
    data = load_json(REFERENCE_FILE)
    return frozenset(
        word for language, words in data.items() if not language.startswith("_") for word in words
    )


def refers_back(text: str) -> bool:
    """Whether ``text`` names a picture or points at something already said ("it", "the
    chart", "darauf", "esa foto")."""
    words = _reference_words()
    return any(token in words for token in tokenize(text))


def message_has_image(message: Any) -> bool:
    """Whether one OpenAI-shaped message carries an ``image_url`` content part."""
    if not isinstance(message, dict):
        return False
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(part, dict) and part.get("type") == "image_url" for part in content
    )


def image_placement(messages: Sequence[Any]) -> tuple[bool, bool]:
    """``(attached now, sent earlier)``: whether the last user message has an image, and
    whether one of the :data:`RECENT_USER_TURNS` user messages before it had one."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return False, False
    now = message_has_image(users[-1])
    earlier = any(message_has_image(m) for m in users[-1 - RECENT_USER_TURNS : -1])
    return now, earlier
