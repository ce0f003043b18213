"""The word lists the intent stage reads (``data/lexicon.json``), loaded once per process."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources
from typing import Any

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ñ": "n"})


@functools.cache
def lexicon() -> dict[str, Any]:
    raw = resources.files(__package__).joinpath("data", "lexicon.json").read_text("utf-8")
    data = json.loads(raw)
    data["stop_set"] = frozenset(data["stop"])
    return data


def identifier(word: str) -> str:
    """``word`` as a Python identifier: lowercase ASCII, umlauts spelled out, accents dropped."""
    folded = word.lower().translate(_FOLD)
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")
    return name if name and not name[0].isdigit() else f"x_{name}"
