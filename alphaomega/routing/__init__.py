"""Routing: which backend a chat message needs.

``classify(text, has_image=...)`` is the fast stage (slash commands, then a small naive Bayes
model trained from exemplars in this package); ``classify_with_llm`` asks a language model
and falls back to the fast decision when the answer is unusable.

The model trains on first use (about half a second of CPU). A server should train it at
start-up, off its event loop: ``await asyncio.to_thread(routing.warm_up)``.
"""

from __future__ import annotations

from .classifier import classify, intent_probabilities, is_trained, warm_up
from .commands import COMMANDS, parse_command
from .decision import INTENTS, Intent, RouteDecision, Stage
from .llm import Ask, build_prompt, classify_with_llm, parse_llm_answer

__all__ = [
    "Ask",
    "COMMANDS",
    "INTENTS",
    "Intent",
    "RouteDecision",
    "Stage",
    "build_prompt",
    "classify",
    "classify_with_llm",
    "intent_probabilities",
    "is_trained",
    "parse_command",
    "parse_llm_answer",
    "warm_up",
]
