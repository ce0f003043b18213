"""Finding and masking personal data and secrets in chat text: pure functions, no I/O.

What each switch of :class:`~alphaomega.safety.policy.SafetyPolicy` covers (a *kind*):

- ``email``: ``name@domain.tld``; not the reserved example domains (``example.com``, ``*.test``,
  ...), not ``logo@2x.png``-style file names, not ``git@host:repo`` remotes or ``ssh user@host``.
- ``phone``: ``+``/``00`` international numbers (8-15 digits), North-American ``(555) 234-5678``,
  and European national numbers with a leading 0 (``030 1234567``, ``06 12 34 56 78``).
- ``api_key``: provider-shaped tokens — OpenAI/Anthropic ``sk-``, GitHub ``ghp_``/``github_pat_``,
  AWS ``AKIA``..., Slack ``xox?-``, Google ``AIza``, Stripe, Hugging Face, GitLab, JWTs, bearer and
  basic ``Authorization`` values.
- ``generic_secret``: ``password=...``, ``api_key: ...``, ``token = ...`` with a value that looks
  like a real secret (not a placeholder, not an expression), and passwords inside URLs.
- ``private_key``: ``-----BEGIN ... PRIVATE KEY-----`` blocks, even when the END line is missing.

The patterns live in :mod:`._patterns` and the value checks in :mod:`._values`,
all compiled once at import.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from ._patterns import (
    DETECTORS,
    EMAIL_DETECTOR,
    EMAIL_STRICT_DETECTOR,
    PHONE_DETECTORS,
    SECRET_KINDS,
    Detector,
)
from ._values import KeyValueDetector, looks_random

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "KINDS",
    "RedactionRules",
    "SECRET_KINDS",
    "Detector",
    "Finding",
    "detectors_for",
    "find_secrets",
    "looks_random",
    "redact",
    "scan",
]

KINDS = ("private_key", "api_key", "generic_secret", "email", "phone")


class Finding(BaseModel):
    """One masked span: what it was and where, never the text itself."""

    model_config = ConfigDict(frozen=True)

    kind: str
    rule: str
    start: int
    end: int


class SpanSource(Protocol):
    rule: str
    kind: str

    def mask(self) -> str: ...

    def spans(self, text: str, folded: str) -> Iterator[tuple[int, int]]: ...


class RedactionRules(Protocol):
    """The narrow view of a policy that :func:`redact` reads (a ``SafetyPolicy`` is one)."""

    allow_example_addresses: bool

    def redaction_kinds(self) -> frozenset[str]: ...

    def custom_redactors(self) -> Sequence[SpanSource]: ...


def detectors_for(kinds: Iterable[str], *, allow_examples: bool = True) -> list[SpanSource]:
    """The built-in detectors of ``kinds``, highest priority first."""
    wanted = set(kinds)
    chosen: list[SpanSource] = [d for d in DETECTORS if d.kind in wanted]
    if "generic_secret" in wanted:
        chosen.append(KeyValueDetector())
    if "email" in wanted:
        chosen.append(EMAIL_STRICT_DETECTOR if allow_examples else EMAIL_DETECTOR)
    if "phone" in wanted:
        chosen.extend(PHONE_DETECTORS)
    return chosen


def scan(text: str, detectors: Sequence[SpanSource]) -> tuple[str, list[Finding]]:
    """Mask every span the detectors find; earlier detectors win where spans overlap."""
    if not text or not detectors:
        return text, []
    folded = text.lower()
    starts: list[int] = []
    taken: list[tuple[int, int, SpanSource]] = []
    for detector in detectors:
        for start, end in detector.spans(text, folded):
            i = bisect.bisect_left(starts, start)
            if end <= start or (i > 0 and taken[i - 1][1] > start):
                continue
            if i < len(taken) and taken[i][0] < end:
                continue
            starts.insert(i, start)
            taken.insert(i, (start, end, detector))
    if not taken:
        return text, []
    pieces: list[str] = []
    findings: list[Finding] = []
    cursor = 0
    for start, end, detector in taken:
        pieces.append(text[cursor:start])
        pieces.append(detector.mask())
        findings.append(Finding(kind=detector.kind, rule=detector.rule, start=start, end=end))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), findings


def redact(text: str, policy: RedactionRules) -> tuple[str, list[Finding]]:
    """``text`` with every kind the policy switches on masked, and what was masked."""
    detectors = detectors_for(
        policy.redaction_kinds(), allow_examples=policy.allow_example_addresses
    )
    detectors.extend(policy.custom_redactors())
    return scan(text, detectors)


def find_secrets(text: str, kinds: Iterable[str], *, allow_examples: bool = True) -> list[Finding]:
    """The spans of ``kinds`` in ``text`` without masking anything."""
    _, findings = scan(text, detectors_for(kinds, allow_examples=allow_examples))
    return findings
