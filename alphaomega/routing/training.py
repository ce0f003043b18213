"""The full training set of the fast router: hand-written exemplars plus template samples."""

from __future__ import annotations

from . import exemplars_en, exemplars_intl
from .decision import INTENTS
from .templates import template_samples

_ATTRIBUTE = {intent: intent.upper() for intent in INTENTS}


# Template samples repeat their scaffolding ("... in Python", "... that ...") in every
# sample; at full weight those function words would become evidence for the class.
TEMPLATE_WEIGHT = 0.5


def training_samples() -> list[tuple[str, str, float]]:
    """Every (text, intent, weight) triple the fast classifier learns from."""
    samples = [
        (text, intent, 1.0)
        for module in (exemplars_en, exemplars_intl)
        for intent in INTENTS
        for text in getattr(module, _ATTRIBUTE[intent])
    ]
    samples.extend((text, intent, TEMPLATE_WEIGHT) for text, intent in template_samples())
    return samples
