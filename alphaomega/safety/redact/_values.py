"""Does a matched value look like a real secret? Value checks and the key=value scan. Pure.

``looks_random`` separates generated key material from words, numbers and placeholders;
``key_value_secrets`` finds ``password = ...``-style assignments by starting from a literal
keyword hit and walking a bounded window, so its cost stays linear in the text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

_SECRET_NEEDLES = ("pass", "pwd", "secret", "token", "key", "credential")


# --- value checks -------------------------------------------------------------------------

PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|-+|_+|#+|0+|1234|12345\d*|change_?me\w*|changeit|secret|password|"
    r"passwd|pass|token|string|str|int|text|none|null|nil|true|false|undefined|required|optional|"
    r"hidden|redacted|example\w*|sample\w*|dummy\w*|test|testing|placeholder|your[\w-]*|my[_-][\w-]*|"
    r"insert[\w-]*|enter[\w-]*|replace[\w-]*|foo\w*|bar|baz|abc|abcdef|qwerty|admin|root|user)$"
    r"|^[<${%]|^\*{3,}|(?i:x{4,})|(?i:your[_-]?(?:api[_-]?)?(?:key|token|secret|password))"
)
_EXPRESSION = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+$|^[A-Za-z_]\w*\[|\($")


def shannon_bits(value: str) -> float:
    counts = Counter(value)
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def looks_random(value: str, *, min_len: int = 12, min_bits: float = 3.0) -> bool:
    """True for a token that reads like generated key material rather than a word or a number."""
    if len(value) < min_len or PLACEHOLDER.search(value):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return has_digit and has_alpha and _classes(value) >= 2 and shannon_bits(value) >= min_bits


# --- key = value secrets ------------------------------------------------------------------

_SECRET_WORD = re.compile(
    r"(?i)passw(?:or)?d|passphrase|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|"
    r"auth[_.-]?key|credential|private[_.-]?key|session[_.-]?key|signing[_.-]?key"
)
_PASSWORD_WORD = re.compile(r"(?i)passw(?:or)?d|passphrase|pwd")
_KEY_RUN = re.compile(r"[A-Za-z0-9_.-]{0,31}")
_ASSIGNMENT = re.compile(
    r"""["']?[ \t]{0,3}(?::=|=>|[:=])[ \t]{0,3}(["']?)([^\s"'`,;<>(){}\[\]]{6,256})"""
)


def key_value_secrets(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the values in ``password = ...``-style assignments that hold a real secret."""
    last_end = 0
    for hit in _SECRET_WORD.finditer(text):
        if hit.start() < last_end:
            continue
        end = _KEY_RUN.match(text, hit.end()).end()
        assignment = _ASSIGNMENT.match(text, end)
        if assignment is None:
            continue
        floor = max(0, hit.start() - 31)
        start = hit.start() - _KEY_RUN.match(text[floor : hit.start()][::-1]).end()
        if start > 0 and (text[start - 1].isalnum() or hit.start() - start > 30):
            continue
        value = assignment.group(2).rstrip(".")
        if PLACEHOLDER.search(value) or _EXPRESSION.search(value):
            continue
        if _PASSWORD_WORD.search(text, start, end):
            keep = len(value) >= 6 and not value.isdigit()
        else:
            keep = looks_random(value, min_len=12)
        if keep:
            value_start = assignment.start(2)
            last_end = value_start + len(value)
            yield value_start, last_end


# --- key = value as a detector -----------------------------------------------------------


@dataclass(frozen=True)
class KeyValueDetector:
    """The ``password = ...`` scan, in the same shape as :class:`Detector`."""

    rule: str = "redact.generic_secret"
    kind: str = "generic_secret"

    def mask(self) -> str:
        return "[REDACTED:secret]"

    def spans(self, text: str, folded: str) -> Iterator[tuple[int, int]]:
        if any(needle in folded for needle in _SECRET_NEEDLES):
            yield from key_value_secrets(text)
