"""Routing: which backend a chat message needs.

``classify(text, has_image=..., image_earlier=...)`` (or ``classify_messages(messages)``, which
reads both from the conversation) is the fast stage (slash commands, then a small naive Bayes
model trained from exemplars in this package); ``classify_with_llm`` asks a language model
and falls back to the fast decision when the answer is unusable.

The model trains on first use (about half a second of CPU). A server should train it at
start-up, off its event loop: ``await asyncio.to_thread(routing.warm_up)``.
"""

from __future__ import annotations

from ._classifier import (
    classify,
    classify_messages,
    intent_probabilities,
    is_trained,
    warm_up,
)
from ._commands import COMMANDS, parse_command
from ._context import image_placement
from ._decision import INTENTS, Intent, RouteDecision, Stage
from ._llm import Ask, build_prompt, classify_with_llm, parse_llm_answer
from ._rewrite import replace_last_user_text, route_body, without_earlier_images
from ._screen import wants_screen_action
from ._settings import RoutingSettings

__all__ = [
    "Ask",
    "COMMANDS",
    "INTENTS",
    "Intent",
    "RouteDecision",
    "RoutingSettings",
    "Stage",
    "build_prompt",
    "classify",
    "classify_messages",
    "classify_with_llm",
    "image_placement",
    "intent_probabilities",
    "is_trained",
    "parse_command",
    "parse_llm_answer",
    "replace_last_user_text",
    "route_body",
    "wants_screen_action",
    "warm_up",
    "without_earlier_images",
]
