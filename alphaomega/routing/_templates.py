"""Template grids that widen the exemplars' vocabulary in every language.

The grids are data, in ``data/templates.json`` (intent -> grids). A grid is a sentence with
``{a|b|c}`` slots. A few seeded samples are drawn from each grid, so the model sees each verb,
object and phrasing of a language several times without the full product of all slots crowding
out the hand-written exemplars.
"""

from __future__ import annotations

import random
import re

from ._datafiles import load_lists

TEMPLATE_FILE = "templates.json"

_SLOT = re.compile(r"\{([^{}]*)\}")
SAMPLES_PER_GRID = 14
_SEED = 20240611


def expand(grid: str, count: int, rng: random.Random) -> list[str]:
    """Up to ``count`` distinct random fillings of ``grid``."""
    parts = _SLOT.split(grid)
    # re.split with a group alternates literal text and slot contents.
    choices = [part.split("|") if i % 2 else [part] for i, part in enumerate(parts)]
    seen: dict[str, None] = {}
    for _ in range(count * 4):
        sentence = "".join(rng.choice(options) for options in choices)
        seen[" ".join(sentence.split())] = None
        if len(seen) >= count:
            break
    return list(seen)


def template_samples() -> list[tuple[str, str]]:
    """(text, intent) pairs drawn from the grids, the same on every call."""
    rng = random.Random(_SEED)
    return [
        (text, intent)
        for intent, grids in load_lists(TEMPLATE_FILE).items()
        for grid in grids
        for text in expand(grid, SAMPLES_PER_GRID, rng)
    ]
