"""The readings of a message the input rules check: the text, and the text with its disguise off.

A message is blocked when a rule matches any reading. Each reading keeps the words around the
disguised part (a decoded run is put back where it stood), so the request-or-question line of
:mod:`._intent` is drawn the same way in every reading. Pure; no I/O.

Readings, each only when it differs from the ones before it:

- ``plain``: NFKC, no invisible characters, dashes as "-" (:func:`.normalise.plain`);
- ``lookalike``: accents stripped, Cyrillic/Greek/... look-alikes as Latin letters;
- ``leet``: the look-alike reading with leetspeak digits and symbols as letters;
- ``spaced``: the look-alike reading with words spelled letter by letter, or cut up by
  punctuation or Markdown, joined up;
- ``decoded``: the look-alike reading with base64 and hex runs decoded in place;
- ``rot13``: the plain text through ROT13;
- ``shell``: the decoded reading as a shell reads its words (quotes, ``$IFS``, variables);
  for the command rules only, since quotes are what mark a discussed injection phrase.

``joined(turns)`` lines up the readings of the last few user messages, same kind with same
kind, so an instruction cut into pieces over several messages reads whole; its ``tail`` says
where the newest message starts, since only a hit that reaches into it may block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._decode import decode_embedded, rot13
from .._normalise import fold_leet, fold_lookalikes, fold_spaced, plain, strip_markup
from .._shell import spelled_command

__all__ = ["Reading", "joined", "readings_of"]

HOW = {
    "plain": "",
    "lookalike": "once look-alike letters are read as Latin ones",
    "leet": "once leetspeak is read as letters",
    "spaced": "once words cut up by spaces, punctuation or markup are read whole",
    "decoded": "once the encoded text in it (base64, hex, escapes) is decoded",
    "rot13": "once decoded from ROT13",
    "shell": "once the shell's quoting and variables are undone",
}
FALLBACK = {
    "spaced": "lookalike",
    "lookalike": "plain",
    "leet": "lookalike",
    "decoded": "lookalike",
    "rot13": "plain",
    "shell": "decoded",
}
"""Where a kind of reading equals an earlier one it is left out: the one it equals."""
JOINED = "across your last messages"
SEPARATORS = (" ", "")
"""Pieces are joined as words ("ignore all" + "previous ...") and as one word ("rm -" + "rf /")."""


@dataclass(frozen=True, slots=True)
class Reading:
    kind: str
    text: str
    tail: int = 0
    """Offset where the newest message starts; a hit must end after it."""
    joined: bool = False
    lower: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", self.text.lower())

    @property
    def commands_only(self) -> bool:
        return self.kind == "shell"

    @property
    def how(self) -> str:
        parts = [HOW[self.kind]] + ([JOINED] if self.joined else [])
        return ", ".join(p for p in parts if p)


def readings_of(text: str) -> list[Reading]:
    """The plain reading first, then each different disguise-off reading."""
    base = plain(text)
    folded = fold_lookalikes(base)
    decoded = decode_embedded(folded)
    candidates = (
        ("plain", base),
        ("lookalike", folded),
        ("leet", fold_leet(folded)),
        ("spaced", fold_spaced(strip_markup(folded))),
        ("decoded", decoded),
        ("rot13", rot13(base)),
        ("shell", spelled_command(decoded)),
    )
    seen: set[str] = set()
    readings: list[Reading] = []
    for kind, reading in candidates:
        if reading in seen and kind != "plain":
            continue
        seen.add(reading)
        readings.append(Reading(kind, reading))
    return readings


def _text_of(found: dict[str, str], kind: str) -> str:
    while kind not in found:
        kind = FALLBACK[kind]
    return found[kind]


def joined(turns: Sequence[list[Reading]], separator: str) -> list[Reading]:
    """The readings of ``turns`` (oldest first, newest last) joined kind by kind."""
    by_kind = [{r.kind: r.text for r in readings} for readings in turns]
    kinds = dict.fromkeys(kind for readings in turns for kind in (r.kind for r in readings))
    result: list[Reading] = []
    for kind in kinds:
        texts = [_text_of(found, kind) for found in by_kind]
        text = separator.join(texts)
        result.append(Reading(kind, text, tail=len(text) - len(texts[-1]), joined=True))
    return result
