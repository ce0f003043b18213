"""The detectors behind :mod:`._scan`: patterns, look-alike vetoes and value checks. Pure.

Each detector names lower-case *needles*, literal substrings one of which must occur before its
regex runs: most chat messages contain none, so most patterns never run. No pattern nests
ambiguous quantifiers: digit runs are possessive (``\\d++``), free-form runs are bounded, and the
key=value scan (:mod:`._values`) starts from a keyword hit and walks a bounded window, so
a hostile message costs linear time.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ._values import PLACEHOLDER, looks_random

SECRET_KINDS = frozenset({"private_key", "api_key", "generic_secret"})


@dataclass(frozen=True)
class Detector:
    """One pattern; ``group`` is the part replaced, ``accept`` vetoes look-alikes."""

    rule: str
    kind: str
    pattern: re.Pattern[str]
    group: int = 0
    accept: Callable[[re.Match[str], str], bool] | None = None
    placeholder: str = ""
    needles: tuple[str, ...] = ()
    """Lower-case substrings of which one must occur for the pattern to be worth running."""

    def mask(self) -> str:
        return self.placeholder or f"[REDACTED:{self.kind}]"

    def spans(self, text: str, folded: str) -> Iterator[tuple[int, int]]:
        if self.needles and not any(needle in folded for needle in self.needles):
            return
        for match in self.pattern.finditer(text):
            if self.accept is None or self.accept(match, text):
                yield match.span(self.group)


# --- e-mail and phone ---------------------------------------------------------------------

_EXAMPLE_DOMAIN = re.compile(
    r"(?i)(?:^|\.)(?:example\.(?:com|net|org|edu)|example|test|invalid|localhost|local)$"
)
_FILE_TLD = frozenset(
    "png jpg jpeg gif svg webp ico bmp tif tiff avif js mjs cjs ts tsx jsx css scss json yaml "
    "yml toml md txt py rb go rs java kt php html htm xml zip gz tar lock log sh pdf".split()
)
_REMOTE_LOGIN = re.compile(r"(?i)\b(?:ssh|scp|sftp|rsync|mosh|telnet)\s+(?:-\S+\s+)*$")
EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))"
    r"(?![\w-]|\.[A-Za-z0-9])"
)


def _real_email(match: re.Match[str], text: str) -> bool:
    if match.group(2).lower() in _FILE_TLD:
        return False
    end = match.end()
    if end + 1 < len(text) and text[end] == ":" and not text[end + 1].isspace():
        return False  # git@github.com:owner/repo
    return not _REMOTE_LOGIN.search(text, max(0, match.start() - 40), match.start())


def _non_example_email(match: re.Match[str], text: str) -> bool:
    return _real_email(match, text) and not _EXAMPLE_DOMAIN.search(match.group(1))


PHONE_INTL = re.compile(
    r"(?<![\w+/.-])(?:\+|(?<!\d)00)[1-9]\d{0,2}(?:[ .-]?\(\d++\)|[ ./-]?\d++){1,6}(?![\w-]|\.\d)"
)
PHONE_NANP = re.compile(
    r"(?<![\w+/.-])(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\w-]|[.:]\d)"
)
PHONE_NATIONAL = re.compile(r"(?<![\w+/.:-])0[1-9]\d{0,3}(?:[ /-]\d++){1,4}(?![\w-]|[.:,]\d)")


def _digits_between(low: int, high: int) -> Callable[[re.Match[str], str], bool]:
    def accept(match: re.Match[str], _text: str) -> bool:
        digits = sum(c.isdigit() for c in match.group(0))
        if match.group(0).startswith("00"):
            digits -= 2
        return low <= digits <= high

    return accept


# --- provider keys and tokens -------------------------------------------------------------


def _random_tail(prefix_len: int, **kw: float) -> Callable[[re.Match[str], str], bool]:
    return lambda match, _text: looks_random(match.group(0)[prefix_len:], **kw)


def _not_aws_example(match: re.Match[str], _text: str) -> bool:
    return "EXAMPLE" not in match.group(0)


def _basic_credentials(match: re.Match[str], _text: str) -> bool:
    try:
        decoded = base64.b64decode(match.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded and decoded.isprintable()


def _group_random(group: int, **kw: float) -> Callable[[re.Match[str], str], bool]:
    return lambda match, _text: looks_random(match.group(group), **kw)


def _d(
    rule: str,
    kind: str,
    pattern: str,
    needles: tuple[str, ...],
    *,
    group: int = 0,
    accept: Callable[[re.Match[str], str], bool] | None = None,
) -> Detector:
    return Detector(
        f"redact.{rule}", kind, re.compile(pattern), group=group, accept=accept, needles=needles
    )


DETECTORS: tuple[Detector, ...] = (
    _d(
        "private_key",
        "private_key",
        r"(?s)-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?"
        r"(?:-----END \1PRIVATE KEY\2-----|\Z)",
        ("-----begin",),
    ),
    _d(
        "api_key.anthropic",
        "api_key",
        r"(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,200}(?![\w-])",
        ("sk-ant-",),
        accept=_random_tail(7, min_len=20),
    ),
    _d(
        "api_key.openai",
        "api_key",
        r"(?<![\w-])sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}(?![\w-])",
        ("sk-",),
        accept=_random_tail(3, min_len=20),
    ),
    _d(
        "api_key.github",
        "api_key",
        r"(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?!\w)",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _d(
        "api_key.aws",
        "api_key",
        r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}"
        r"(?![A-Za-z0-9])",
        ("akia", "asia", "abia", "acca", "aida", "aroa", "aipa", "anpa", "anva", "apka"),
        accept=_not_aws_example,
    ),
    _d(
        "api_key.slack",
        "api_key",
        r"(?<![\w-])(?:xox[abposr]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})(?![\w-])",
        ("xox", "xapp-"),
    ),
    _d(
        "api_key.slack_webhook",
        "api_key",
        r"https://hooks\.slack\.com/services/[A-Za-z0-9]{6,}/[A-Za-z0-9]{6,}/[A-Za-z0-9]{12,}",
        ("hooks.slack.com",),
    ),
    _d(
        "api_key.google",
        "api_key",
        r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])",
        ("aiza",),
    ),
    _d(
        "api_key.stripe",
        "api_key",
        r"(?<!\w)(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?!\w)",
        ("_live_", "_test_"),
    ),
    _d(
        "api_key.huggingface",
        "api_key",
        r"(?<!\w)hf_[A-Za-z0-9]{30,64}(?!\w)",
        ("hf_",),
        accept=_random_tail(3, min_len=30),
    ),
    _d(
        "api_key.gitlab",
        "api_key",
        r"(?<![\w-])glpat-[A-Za-z0-9_-]{20,64}(?![\w-])",
        ("glpat-",),
    ),
    _d(
        "api_key.jwt",
        "api_key",
        r"(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?![\w-])",
        ("eyj",),
    ),
    _d(
        "api_key.bearer",
        "api_key",
        r"(?i:\bbearer)\s+([A-Za-z0-9._~+/-]{16,512}=*)(?![\w.~+/=-])",
        ("bearer",),
        group=1,
        accept=_group_random(1, min_len=16),
    ),
    _d(
        "api_key.basic_auth",
        "api_key",
        r"(?i:\bbasic)\s+([A-Za-z0-9+/]{12,512}={0,2})(?![\w+/=])",
        ("basic",),
        group=1,
        accept=_basic_credentials,
    ),
    _d(
        "generic_secret.url_password",
        "generic_secret",
        r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@]{1,64}:([^\s@/]{3,128})@",
        ("://",),
        group=1,
        accept=lambda m, _t: not PLACEHOLDER.search(m.group(1)),
    ),
)

EMAIL_DETECTOR = Detector("redact.email", "email", EMAIL, accept=_real_email, needles=("@",))
EMAIL_STRICT_DETECTOR = Detector(
    "redact.email", "email", EMAIL, accept=_non_example_email, needles=("@",)
)
PHONE_DETECTORS = (
    Detector(
        "redact.phone", "phone", PHONE_INTL, accept=_digits_between(8, 15), needles=("+", "00")
    ),
    Detector("redact.phone", "phone", PHONE_NANP),
    Detector("redact.phone", "phone", PHONE_NATIONAL, accept=_digits_between(9, 12)),
)
