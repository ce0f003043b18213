"""The fast stage: a slash command, else the naive Bayes model plus the attached-image rule.

The model is trained on first use (a fraction of a second) or by :func:`warm_up`; after that a
decision is pure computation with no I/O, safe to call on an event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, cast

from ..messages import last_user_text
from ..pack import Pack
from ._commands import parse_command
from ._context import image_placement, refers_back
from ._datafiles import load_json
from ._decision import INTENTS, Intent, RouteDecision
from ._model import NaiveBayes
from ._training import LABELS, SUBLABELS, training_samples

log = logging.getLogger(__name__)

# The vision model reads whatever comes with an image, including code and chat about it; only
# the backends that *make* something (a picture, desktop actions, a project) take it away.
# Without an image, text about "this photo" has nothing to look at and is plain chat.
# A question about "the error on the screen" with a screenshot attached is about the screenshot.
_FOLD_WITH_IMAGE: dict[str, Intent] = {"code": "vision", "general": "vision", "screen": "vision"}
_FOLD_WITHOUT_IMAGE: dict[str, Intent] = {"vision": "general", **SUBLABELS}
# A picture sent a few turns ago: a message about a picture goes to the model that can see it;
# one that points back at it ("what's the total on it?") too, even when its words are chat.
_FOLD_IMAGE_EARLIER: dict[str, Intent] = dict(SUBLABELS)

# Chat is what most messages are, and where a message that fits nothing else belongs.
PRIORS = {"general": 0.3}
# Written by ``python -m alphaomega.routing.calibrate`` (see :mod:`.calibrate`).
CALIBRATION_FILE = "calibration.json"


def warm_up() -> float:
    """Train the model now (idempotent); returns the seconds it took, 0.0 if already trained.

    The model is the current Pack's: a Pack of a test's own starts untrained.
    """
    pack = Pack.current()
    with pack.classifier_lock:
        if pack.classifier_model is not None:
            return 0.0
        started = time.perf_counter()
        calibration = float(load_json(CALIBRATION_FILE)["temperature"])
        model = NaiveBayes(LABELS, priors=PRIORS, calibration=calibration)
        model.fit(training_samples())
        pack.classifier_model = model
        took = time.perf_counter() - started
    log.info("routing model trained in %.0f ms", took * 1000)
    return took


def is_trained() -> bool:
    return Pack.current().classifier_model is not None


def trained_model() -> NaiveBayes:
    """The fast stage's model, trained first if it is not yet."""
    model = Pack.current().classifier_model
    if model is None:
        warm_up()
        model = Pack.current().classifier_model
    assert model is not None
    return model


def label_probabilities(text: str) -> dict[str, float]:
    """The model's probability for each label (intents and :data:`SUBLABELS`)."""
    return trained_model().predict_proba(text)


def intent_probabilities(text: str) -> dict[str, float]:
    """The model's probability for each of the six intents, before the image rule."""
    return _merge_sublabels(label_probabilities(text))


def _merge_sublabels(probabilities: dict[str, float]) -> dict[str, float]:
    merged = dict.fromkeys(INTENTS, 0.0)
    for label, p in probabilities.items():
        merged[SUBLABELS.get(label, label)] += p
    return merged


def fold(
    probabilities: dict[str, float], *, has_image: bool, image_earlier: bool = False
) -> dict[str, float]:
    """Merge the intents a message cannot go to into the ones that serve it instead."""
    if has_image:
        mapping = _FOLD_WITH_IMAGE
    elif image_earlier:
        mapping = _FOLD_IMAGE_EARLIER
    else:
        mapping = _FOLD_WITHOUT_IMAGE
    folded: dict[str, float] = {}
    for intent, p in probabilities.items():
        target = mapping.get(intent, intent)
        folded[target] = folded.get(target, 0.0) + p
    return folded


def classify(text: str, *, has_image: bool = False, image_earlier: bool = False) -> RouteDecision:
    """Route one user message with the fast stage (no backend, no download).

    ``has_image`` says whether the message carries an image; a message about "this photo"
    without one routes to ``general``. ``image_earlier`` says whether one of the last few user
    messages before it did: then a message that points back at it goes to ``vision``.
    """
    command, rest = parse_command(text)
    if command is not None:
        return RouteDecision(
            intent=command, confidence=1.0, stage="command", text=rest, reason="slash command"
        )
    probabilities = label_probabilities(text)
    follow_up = image_earlier and not has_image and refers_back(text)
    folded = fold(probabilities, has_image=has_image or follow_up, image_earlier=image_earlier)
    intent = cast(Intent, max(folded, key=folded.__getitem__))
    # Every value is valid by construction; skipping validation keeps the hot path short.
    return RouteDecision.model_construct(
        intent=intent,
        confidence=min(1.0, max(0.0, folded[intent])),
        stage="fast",
        text=text,
        scores={name: round(p, 4) for name, p in _merge_sublabels(probabilities).items()},
        reason=_reason(has_image=has_image, image_earlier=image_earlier, follow_up=follow_up),
    )


def _reason(*, has_image: bool, image_earlier: bool, follow_up: bool) -> str:
    if has_image:
        return "model, image attached"
    if follow_up:
        return "model, refers to an image earlier in the chat"
    return "model, image earlier in the chat" if image_earlier else "model"


def classify_messages(messages: Sequence[Any]) -> RouteDecision:
    """Route the last user message of an OpenAI-shaped conversation, with its context: an
    image attached to it, or one sent in the few user turns before it."""
    attached, earlier = image_placement(messages)
    return classify(last_user_text(list(messages)), has_image=attached, image_earlier=earlier)
