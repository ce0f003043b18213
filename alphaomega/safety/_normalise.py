"""Spellings that look like a word to a person but not to a regex, undone before the rules run.

Pure functions over text; the tables come from ``data/`` (read once, on first use):

- ``plain(text)``: NFKC, invisible characters (zero-width, soft hyphen, direction marks) removed
  and every dash or minus sign written "-". Every rule reads this; it changes no letter, so
  rules for other languages still see their own script.
- ``fold_lookalikes(text)``: combining marks stripped ("i̇gnóre" → "ignore") and each character
  Unicode lists as confusable with a Latin letter or digit written as that letter (Cyrillic
  "і", Greek "ο", Cherokee, mathematical letters ...). ``data/confusables.json`` is generated
  from Unicode's confusables table by ``scripts/safety-confusables``.
- ``fold_spaced(text)``: words spelled letter by letter with a separator ("i g n o r e",
  "s.y.s.t.e.m") written as words.
- ``strip_markup(text)``: Markdown emphasis marks (``*``, ``_``, ``~``) dropped, backticks
  around a single word dropped, and hyphens, dots and bars inside a word dropped ("ig-nore",
  "de.vel.op.er", "**Ig**nore" → "ignore", "developer", "Ignore"). A code span of several words
  keeps its backticks: they mark a phrase under discussion.
- ``fold_leet(text)``: in words that mix letters with digits or symbols, those read as the
  letters they stand in for ("1gn0r3" → "ignore", "d4t4b4s3" → "database"). A word without a
  letter (a number, a version) stays as it is.

The folded texts are extra readings: a rule that matches one blocks, but the message itself is
never changed by them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["fold_leet", "fold_lookalikes", "fold_spaced", "plain", "strip_markup"]

# Combining marks of the Latin, Greek and Cyrillic blocks and their extensions: what a stacked
# accent ("i" + U+0308) leaves after NFKD.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# A run of letters, digits and the symbols leetspeak uses for letters.
# Three or more single letters each followed by the same separator: "i g n o r e", "s.y.s.t.e.m".
_SPACED = re.compile(r"(?<![^\W_])[A-Za-z]([ .\-_*·|/])(?:[A-Za-z]\1){1,}[A-Za-z](?![^\W_])")
_EMPHASIS = re.compile(r"[*_~^]+")
_TICKED_WORD = re.compile(r"`([\w.-]+)`")
_INSIDE_WORD = re.compile(r"(?<=[A-Za-z])[-.|]{1,2}(?=[A-Za-z])")
# Only words with both a letter and a digit or symbol: most words are left without a call.
_LEET_WORD = re.compile(
    r"(?<![A-Za-z0-9@$!|+])(?=[0-9@$!|+]*[A-Za-z])(?=[A-Za-z]*[0-9@$!|+])[A-Za-z0-9@$!|+]{2,}"
)


@cache
def _load(name: str) -> dict[str, Any]:
    resource = files(__package__).joinpath("data", name)
    return json.loads(resource.read_text(encoding="utf-8"))


@cache
def _plain_table() -> dict[int, str | None]:
    folding = _load("folding.json")
    table: dict[int, str | None] = dict.fromkeys(map(ord, folding["invisible"]))
    table.update({ord(dash): "-" for dash in folding["dashes"]})
    return table


@cache
def _lookalike_table() -> dict[int, str]:
    table = {ord(char): latin for char, latin in _load("confusables.json")["fold"].items()}
    table.update({ord(dash): "-" for dash in _load("folding.json")["dashes"]})
    return table


@cache
def _leet_table() -> dict[int, str]:
    return {ord(symbol): letter for symbol, letter in _load("folding.json")["leet"].items()}


def plain(text: str) -> str:
    """NFKC without invisible characters, dashes and minus signs as "-"."""
    table = _plain_table()
    return unicodedata.normalize("NFKC", text.translate(table)).translate(table)


def fold_lookalikes(text: str) -> str:
    """``text`` (already :func:`plain`) with accents stripped and look-alikes as Latin letters."""
    if text.isascii():
        return text
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return stripped.translate(_lookalike_table())


def _leet_word(match: re.Match[str]) -> str:
    word = match.group(0)
    core = word.rstrip("!|+$")
    if len(core) < 2 or not any(c.isalpha() for c in core) or core.isalpha():
        return word
    letters = core.translate(_leet_table())
    if all(c.isupper() for c in core if c.isalpha()):
        letters = letters.upper()  # "D4N" is "DAN": some rules read capitals as a name
    return letters + word[len(core) :]


def fold_leet(text: str) -> str:
    """``text`` with the digits and symbols inside mixed words read as letters."""
    return _LEET_WORD.sub(_leet_word, text)


def fold_spaced(text: str) -> str:
    """``text`` with words spelled out letter by letter joined back into words."""
    return _SPACED.sub(lambda m: m.group(0).replace(m.group(1), ""), text)


def strip_markup(text: str) -> str:
    """``text`` without emphasis marks, single-word code spans or punctuation inside words."""
    text = _TICKED_WORD.sub(r"\1", _EMPHASIS.sub("", text))
    return _INSIDE_WORD.sub("", text)
