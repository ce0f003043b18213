"""Finding and masking personal data and secrets in chat text."""

from ._scan import (
    KINDS,
    SECRET_KINDS,
    Detector,
    Finding,
    RedactionRules,
    detectors_for,
    find_secrets,
    looks_random,
    redact,
    scan,
)

__all__ = [
    "KINDS",
    "SECRET_KINDS",
    "Detector",
    "Finding",
    "RedactionRules",
    "detectors_for",
    "find_secrets",
    "looks_random",
    "redact",
    "scan",
]
