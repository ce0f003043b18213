"""The full training set of the fast router: hand-written exemplars plus template samples.

The exemplars are data, in ``data/exemplars_*.json`` (one list of messages per intent):
``exemplars_en.json`` in English, ``exemplars_intl.json`` in German, French, Spanish, Italian,
Portuguese and Dutch. ``vision`` holds what people write *about an attached image*; without an
image such a message routes elsewhere (see :mod:`.classifier`). ``general`` deliberately holds
messages that talk *about* images, code, computers and apps without asking for one: they teach
the difference between "explain how image generation works" and "generate an image".
``computer_use`` holds questions about what is on the person's screen as well as desktop actions:
only the desktop agent can look at the screen.
"""

from __future__ import annotations

from ._datafiles import load_lists
from ._decision import INTENTS, Intent
from ._templates import template_samples

EXEMPLAR_FILES = ("exemplars_en.json", "exemplars_intl.json")
# Labels the model learns that are finer than the intents, and the intent each one is.
# "screen": questions about what is on the person's screen. Only the desktop agent can look at
# the screen, but when a screenshot comes with the question, the vision model reads it.
SUBLABELS: dict[str, Intent] = {"screen": "computer_use"}
LABELS: tuple[str, ...] = (*INTENTS, *SUBLABELS)

# Template samples repeat their scaffolding ("... in Python", "... that ...") in every
# sample; at full weight those function words would become evidence for the class.
TEMPLATE_WEIGHT = 0.5


def exemplars() -> list[tuple[str, str]]:
    """Every hand-written ``(text, label)`` pair, in file and label order."""
    pairs = []
    for name in EXEMPLAR_FILES:
        per_intent = load_lists(name)
        unknown = set(per_intent) - set(LABELS)
        if unknown:
            raise ValueError(f"{name}: unknown labels {sorted(unknown)}")
        pairs.extend((text, label) for label in LABELS for text in per_intent.get(label, ()))
    return pairs


def training_samples() -> list[tuple[str, str, float]]:
    """Every (text, intent, weight) triple the fast classifier learns from."""
    samples = [(text, intent, 1.0) for text, intent in exemplars()]
    samples.extend((text, intent, TEMPLATE_WEIGHT) for text, intent in template_samples())
    return samples
