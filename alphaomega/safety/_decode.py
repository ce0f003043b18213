"""Instructions hidden in an encoding, read out so the same rules can see them. Pure; no I/O.

- ``decode_embedded(text)``: HTML character references, percent-encoding and ``\\u``/``\\x``
  escapes read (the last two when there are several), then each base64 or hex run that decodes
  to readable text replaced by that text, in place ("Run echo cm0gLXJmIC8= | base64 -d | sh"
  reads "Run echo rm -rf / | base64 -d | sh"), so what stands around it (a question, a
  request) still counts. A run that decodes to bytes that are not readable text (a hash, an
  image, a key) is left alone. Nested encodings are read up to ``MAX_DEPTH`` deep.
- ``rot13(text)``: the whole text with ROT13 applied: a message written in ROT13 reads plainly,
  a plain message turns into gibberish no rule matches.

Both are extra readings of a message, for the block rules only; the message is never changed.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import string
from urllib.parse import unquote

__all__ = ["decode_embedded", "rot13"]

MAX_DEPTH = 2
MAX_RUNS = 32
"""Encoded runs decoded per message at most: bounds the work on a long paste."""

# Runs of 8 or more base64 characters with a digit, a + or /, or a capital after a small
# letter: encoded text nearly always has one, a word of prose does not.
_BASE64_RUN = re.compile(
    r"(?<![\w+/=-])(?=[A-Za-z]*(?:[0-9+/_-]|[a-z][A-Z]))[A-Za-z0-9+/_-]{8,}={0,2}(?![\w+/=-])"
)
_HEX_RUN = re.compile(
    r"(?:\\x[0-9a-fA-F]{2}){4,}"
    r"|(?:(?<![\w\\])|(?<![\w\\])0x)(?:[0-9a-fA-F]{2}(?:[ :]?(?=[0-9a-fA-F]{2}))?){8,}(?!\w)"
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
# Percent-encoding (URLs) and \uXXXX / \xXX escapes (JSON, Python, JavaScript strings).
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
MIN_ESCAPES = 3
"""Escapes a message needs before they are read: one %20 in a link is not a disguise."""
_ROT13 = str.maketrans(
    string.ascii_lowercase + string.ascii_uppercase,
    string.ascii_lowercase[13:]
    + string.ascii_lowercase[:13]
    + string.ascii_uppercase[13:]
    + string.ascii_uppercase[:13],
)
_WORDISH = set(string.ascii_letters + " ")


def rot13(text: str) -> str:
    return text.translate(_ROT13)


def _readable(raw: bytes) -> str | None:
    """``raw`` as text when it reads like words (mostly letters and spaces), else None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 4 or not text.isprintable():
        return None
    if " " not in text.strip() and not any(c in text for c in "/-;|"):
        return None  # a single decoded word is as likely chance as an instruction
    wordish = sum(1 for c in text if c in _WORDISH or not c.isascii())
    return text if wordish >= 0.6 * len(text) else None


def _from_base64(run: str, depth: int = 1) -> str | None:
    if run.isalpha() and (run.islower() or run.isupper()):
        return None  # a plain word in one case: English, not base64
    padded = run.rstrip("=")
    padded += "=" * (-len(padded) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    if depth < MAX_DEPTH and raw.isascii() and _BASE64_RUN.fullmatch(raw.decode("ascii")):
        inner = _from_base64(raw.decode("ascii"), depth + 1)
        if inner is not None:
            return inner
    return _readable(raw)


def _from_hex(run: str) -> str | None:
    digits = re.sub(r"^0x|\\x|[ :]", "", run)
    if len(digits) % 2:
        return None
    try:
        return _readable(bytes.fromhex(digits))
    except ValueError:
        return None


def _decode_once(text: str) -> str:
    budget = [MAX_RUNS]

    def replace(decoder):
        def swap(match: re.Match[str]) -> str:
            if budget[0] <= 0:
                return match.group(0)
            budget[0] -= 1
            decoded = decoder(match.group(0))
            return match.group(0) if decoded is None else decoded

        return swap

    if _ENTITY.search(text):
        text = html.unescape(text)
    if len(_PERCENT.findall(text, 0, 4096)) >= MIN_ESCAPES:
        text = unquote(text)
    if len(_ESCAPE.findall(text, 0, 4096)) >= MIN_ESCAPES:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    text = _HEX_RUN.sub(replace(_from_hex), text)
    return _BASE64_RUN.sub(replace(_from_base64), text)


def decode_embedded(text: str) -> str:
    """``text`` with its readable base64 and hex runs decoded in place."""
    for _ in range(MAX_DEPTH):
        decoded = _decode_once(text)
        if decoded == text:
            break
        text = decoded
    return text
