"""What an action may not type: secret values themselves (keys, tokens, private key blocks).

Known token shapes are matched by pattern; any other long token counts when it reads like a
generated key rather than a name, a path, a number or an identifier in a URL.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ._text import normalize_text

_SECRET_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (why, re.compile(pattern))
    for why, pattern in (
        ("a private key block", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
        ("an OpenAI/Anthropic-style API key (sk-...)", r"\bsk-(?:[a-z]+-)?[A-Za-z0-9_\-]{20,}"),
        ("a GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{22,}"),
        ("an AWS access key id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}"),
        ("a Stripe live key", r"\b(?:sk|rk|pk)_live_[0-9A-Za-z]{16,}"),
        (
            "a Hugging Face / GitLab / npm token",
            r"\bhf_[A-Za-z0-9]{30,}|\bglpat-[A-Za-z0-9_\-]{20,}|\bnpm_[A-Za-z0-9]{36}",
        ),
        (
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
        ),
        ("a bearer token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{20,}"),
        (
            "a credential in a URL",
            r"(?i)[?&](?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password|token)"
            r"=[^&\s]{16,}|://[^/\s:@]+:[^/\s@]{6,}@",
        ),
    )
)
_TOKEN = re.compile(r"[A-Za-z0-9+_\-=]{32,}")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
# Spans whose random-looking parts are identifiers, not secrets: URLs and SSH *public* keys.
_NOT_SECRET_SPANS = re.compile(
    r"https?://\S+|\b(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+)\s+[A-Za-z0-9+/=]+",
    re.IGNORECASE,
)


def _entropy(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def _looks_random(token: str) -> bool:
    """A long token that reads like a generated key rather than a name, path or number."""
    core = token.strip("=-_")
    if len(core) < 32:
        return False
    digits = sum(ch.isdigit() for ch in core)
    upper = sum(ch.isupper() for ch in core)
    lower = sum(ch.islower() for ch in core)
    if digits < 2 or upper < 3 or lower < 3:
        return False
    pairs = list(zip(core, core[1:], strict=False))
    # Generated keys flip case and switch between letters and digits all the time; names and
    # file names keep words and numbers in a few long runs.
    case_flips = sum(a.isupper() != b.isupper() for a, b in pairs if a.isalpha() and b.isalpha())
    digit_switches = sum(a.isdigit() != b.isdigit() for a, b in pairs)
    in_words = sum(len(word) for word in _WORD.findall(core)) / len(core)
    return (
        _entropy(core) >= 4.0
        and case_flips >= len(core) // 6
        and digit_switches >= 4
        and in_words < 0.5
    )


def secret_findings(text: str) -> list[str]:
    """Why the text looks like it holds a secret (one entry per kind found)."""
    base = normalize_text(text)
    found = [why for why, pattern in _SECRET_RULES if pattern.search(base)]
    exempt = [m.span() for m in _NOT_SECRET_SPANS.finditer(base)]
    for match in _TOKEN.finditer(base):
        inside = any(start <= match.start() < end for start, end in exempt)
        if not inside and _looks_random(match.group()):
            found.append("a long random-looking token (a key or password)")
            break
    return found
