"""The fast stage: a slash command, else the naive Bayes model plus the attached-image rule.

The model is trained on first use (a fraction of a second) or by :func:`warm_up`; after that a
decision is pure computation with no I/O, safe to call on an event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import cast

from .commands import parse_command
from .decision import INTENTS, Intent, RouteDecision
from .model import NaiveBayes
from .training import training_samples

log = logging.getLogger(__name__)

# The vision model reads whatever comes with an image, including code and chat about it; only
# the backends that *make* something (a picture, desktop actions, a project) take it away.
# Without an image, text about "this photo" has nothing to look at and is plain chat.
_FOLD_WITH_IMAGE: dict[str, Intent] = {"code": "vision", "general": "vision"}
_FOLD_WITHOUT_IMAGE: dict[str, Intent] = {"vision": "general"}

# Chat is what most messages are, and where a message that fits nothing else belongs.
PRIORS = {"general": 0.3}

_lock = threading.Lock()
_model: NaiveBayes | None = None


def warm_up() -> float:
    """Train the model now (idempotent); returns the seconds it took, 0.0 if already trained."""
    global _model
    with _lock:
        if _model is not None:
            return 0.0
        started = time.perf_counter()
        _model = NaiveBayes(INTENTS, priors=PRIORS).fit(training_samples())
        took = time.perf_counter() - started
    log.info("routing model trained in %.0f ms", took * 1000)
    return took


def is_trained() -> bool:
    return _model is not None


def trained_model() -> NaiveBayes:
    """The fast stage's model, trained first if it is not yet."""
    if _model is None:
        warm_up()
    assert _model is not None
    return _model


def intent_probabilities(text: str) -> dict[str, float]:
    """The model's probability for each of the six intents, before the image rule."""
    return trained_model().predict_proba(text)


def fold(probabilities: dict[str, float], *, has_image: bool) -> dict[str, float]:
    """Merge the intents a message cannot go to into the ones that serve it instead."""
    mapping = _FOLD_WITH_IMAGE if has_image else _FOLD_WITHOUT_IMAGE
    folded: dict[str, float] = {}
    for intent, p in probabilities.items():
        target = mapping.get(intent, intent)
        folded[target] = folded.get(target, 0.0) + p
    return folded


def classify(text: str, *, has_image: bool = False) -> RouteDecision:
    """Route one user message with the fast stage (no backend, no download).

    ``has_image`` says whether the message carries an image; a message about "this photo"
    without one routes to ``general``.
    """
    command, rest = parse_command(text)
    if command is not None:
        return RouteDecision(
            intent=command, confidence=1.0, stage="command", text=rest, reason="slash command"
        )
    probabilities = intent_probabilities(text)
    folded = fold(probabilities, has_image=has_image)
    intent = cast(Intent, max(folded, key=folded.__getitem__))
    # Every value is valid by construction; skipping validation keeps the hot path short.
    return RouteDecision.model_construct(
        intent=intent,
        confidence=min(1.0, max(0.0, folded[intent])),
        stage="fast",
        text=text,
        scores={name: round(p, 4) for name, p in probabilities.items()},
        reason="model, image attached" if has_image else "model",
    )
