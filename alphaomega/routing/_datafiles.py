"""The router's data files (``data/*.json``): exemplars, template grids, calibration."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> Any:
    """One data file of this package, parsed (cached: the files ship with the package)."""
    raw = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(raw)


def load_lists(name: str) -> dict[str, tuple[str, ...]]:
    """A data file that maps a key (an intent) to a list of texts."""
    return {key: tuple(texts) for key, texts in load_json(name).items()}
