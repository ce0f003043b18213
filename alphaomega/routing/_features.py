"""Turning a message into the sparse features the fast classifier counts.

Four groups, each a separate vocabulary so that one group's volume cannot drown another:
whole words (``w``), adjacent word pairs (``b``), character n-grams inside words (``c``,
which carry typos, inflections and German compounds), and code punctuation and shapes (``s``:
what the word tokenizer throws away but which marks pasted code).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

GROUPS = ("w", "b", "c", "s")

# Only the start and the end of a long message are read: the request is nearly always there,
# and a pasted log of 50 kB must not cost more than a short question.
HEAD_CHARS = 700
TAIL_CHARS = 300

_COMBINING = re.compile("[\u0300-\u036f]+")
_TOKEN = re.compile(r"[^\W_]+(?:\+\+|#)?")
_SYMBOLS = re.compile(r"```|=>|==|!=|->|::|\+=|\(\)|[{};=<>\[\]$`\\]")
# Shapes of source code that prose rarely has: (feature, a character the shape cannot match
# without, pattern). The character is checked first, so prose rarely pays for the scan.
_CODE_SHAPES = (
    ("<indent>", "\n", re.compile(r"\n(?: {2,}|\t)\S")),
    ("<line-end>", "\n", re.compile(r"[;{}:][ \t]*\n")),
    ("<call>", "(", re.compile(r"\w\(")),
    ("<method>", "(", re.compile(r"\w\.\w+\(")),
    ("<snake>", "_", re.compile(r"[a-z]_[a-z]")),
    ("<camel>", "", re.compile(r"[a-z][A-Z][a-z]")),
    ("<assign>", "=", re.compile(r"\w ?[-+*/]?= ?[\w\"'(\[]")),
    ("<index>", "[", re.compile(r"\w\[[^\]\s]*\]")),
)
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
# Politeness and "can you" wrappers, in every language: they wrap any request, so they must
# not count for the class whose exemplars happen to be the politest.
NEUTRAL_WORDS = frozenset(
    "please pls plz kindly can could would you u "
    "bitte kannst konntest du "
    "peux pourrais tu vous stp svp plait "
    "puedes podrias podria favor "
    "puoi potresti favore "
    "pode poderia podes voce "
    "kun kunt je jij alsjeblieft alstublieft graag".split()
)
_NGRAM_SIZES = (3, 4, 5)
_MAX_NGRAM_WORD = 24


def clip(text: str) -> str:
    """The part of ``text`` the router reads."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def normalize(text: str) -> str:
    """Lower case without accents, so "Génère", "genere" and "GENERE" are one word."""
    folded = text.casefold().translate(_LIGATURES)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(normalize(text))


def content_tokens(text: str) -> list[str]:
    """Tokens without the politeness wrappers of :data:`NEUTRAL_WORDS`."""
    return [token for token in tokenize(text) if token not in NEUTRAL_WORDS]


@lru_cache(maxsize=65536)
def word_ngrams(word: str) -> tuple[str, ...]:
    """Character n-grams of one word with its boundaries marked; cached, words repeat a lot."""
    if len(word) > _MAX_NGRAM_WORD:
        return ()
    padded = f"<{word}>"
    last = len(padded)
    return tuple(padded[i : i + size] for size in _NGRAM_SIZES for i in range(last - size + 1))


def pair_features(tokens: list[str]) -> set[str]:
    """Adjacent word pairs, plus the first pair marked as the message's opening."""
    pairs = {f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)}
    if tokens:
        pairs.add(f"^{' '.join(tokens[:2])}")
    return pairs


def opening_feature(tokens: list[str]) -> str:
    """The first word, marked: "draw ..." and "... draw" are different requests."""
    return f"^{tokens[0]}" if tokens else "^"


def symbol_features(text: str) -> set[str]:
    """Code punctuation and code shapes (``<call>``, ``<indent>``, ...) present in ``text``."""
    found = set(_SYMBOLS.findall(text))
    found.update(
        name for name, needs, shape in _CODE_SHAPES if needs in text and shape.search(text)
    )
    return found


def extract(text: str) -> dict[str, list[str]]:
    """Features per group. Words, pairs and symbols count once per message; character
    n-grams count once per distinct word (so the model can sum them per word, cached)."""
    text = clip(text)
    tokens = content_tokens(text)
    words = set(tokens)
    grams = [gram for word in words for gram in word_ngrams(word)]
    return {
        "w": [*words, opening_feature(tokens)],
        "b": list(pair_features(tokens)),
        "c": grams,
        "s": list(symbol_features(text)),
    }
