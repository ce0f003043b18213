"""Applying the input rules to a person's message: every reading of it, alone and joined. Pure.

- ``check_input(text, policy) -> Verdict``: allowed, or blocked naming the first rule that
  matched one of the message's readings (:mod:`._readings`: the text and the text with
  its disguise off).
- ``check_turns(texts, policy) -> Verdict``: the same for the newest of a person's messages,
  also read joined with the ones before it.

Blocked terms and a deployment's own rules read the plain and look-alike readings; the built-in
rules (:mod:`._rules`, :mod:`._rules_shell`) read them all. A command rule blocks
only a request to run the command, an injection rule anything but a quoted discussion
(:mod:`._intent`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._intent import is_quoted_discussion, is_request
from ._model import ALLOWED, SafetyPolicy, Verdict
from ._readings import SEPARATORS, Reading, joined, readings_of
from ._rules import INPUT_RULES, InputRule
from ._rules_shell import SHELL_RULES

__all__ = ["BUILT_IN_RULES", "TURN_WINDOW", "check_input", "check_turns"]

BUILT_IN_RULES: tuple[InputRule, ...] = INPUT_RULES + SHELL_RULES
TURN_WINDOW = 3
"""How many of a person's latest messages the built-in rules also read joined."""
TERM_READINGS = frozenset({"plain", "lookalike"})
"""The readings blocked terms and a deployment's rules see: a term is a word as people write it,
and a decoded or ROT13 reading would turn unrelated text into it."""


def check_input(text: str, policy: SafetyPolicy) -> Verdict:
    """Allowed, or blocked naming the first rule that matched one of the message's readings."""
    return check_turns([text], policy)


def check_turns(texts: Sequence[str], policy: SafetyPolicy) -> Verdict:
    """The newest of a person's messages (``texts[-1]``), read alone and with the ones before.

    The built-in rules also read the last ``TURN_WINDOW`` messages joined, so an instruction cut
    into pieces is still seen; a hit there counts only when it reaches into the newest message,
    so a message blocked earlier does not block every later one.
    """
    if not texts or not texts[-1] or not texts[-1].strip():
        return ALLOWED
    newest = readings_of(texts[-1])
    as_written = [r for r in newest if r.kind in TERM_READINGS]
    verdict = _check_terms(as_written, policy) or _check_rules(newest, policy)
    if verdict is not None:
        return verdict
    earlier = [t for t in texts[-TURN_WINDOW:-1] if t and t.strip()]
    if earlier:
        turns = [readings_of(t) for t in earlier] + [newest]
        for separator in SEPARATORS:
            verdict = _check_rules(joined(turns, separator), policy)
            if verdict is not None:
                return verdict
    return ALLOWED


def _check_terms(readings: list[Reading], policy: SafetyPolicy) -> Verdict | None:
    """Blocked terms and the deployment's own rules, on the plain and look-alike readings."""
    compiled = policy._compiled
    terms = compiled["terms"]
    for reading in readings:
        if terms is not None and policy.rule_enabled("blocked_term"):
            hit = terms.search(reading.text)
            if hit:
                return Verdict(
                    allowed=False,
                    rule="blocked_term",
                    category="blocked_term",
                    reason=f'it contains the blocked term "{hit.group(0)}"',
                )
        for custom, pattern in compiled["input"]:
            rule_id = f"custom.{custom.id}"
            if policy.rule_enabled(rule_id) and pattern.search(reading.text):
                reason = custom.reason or f"it matches the deployment's rule {custom.id!r}"
                return Verdict(allowed=False, rule=rule_id, category="custom", reason=reason)
    return None


def _check_rules(readings: list[Reading], policy: SafetyPolicy) -> Verdict | None:
    for rule in BUILT_IN_RULES:
        if rule.category == "injection" and not policy.check_injection:
            continue
        if rule.category == "command" and not policy.check_destructive_commands:
            continue
        if not policy.rule_enabled(rule.id):
            continue
        for reading in readings:
            if _rule_hits(rule, reading, policy):
                how = reading.how
                reason = f"{rule.reason}, {how}" if how else rule.reason
                return Verdict(allowed=False, rule=rule.id, category=rule.category, reason=reason)
    return None


def _rule_hits(rule: InputRule, reading: Reading, policy: SafetyPolicy) -> bool:
    if reading.commands_only and rule.category != "command":
        return False
    if rule.needles and not any(needle in reading.lower for needle in rule.needles):
        return False
    text = reading.text
    for pattern in rule.patterns:
        for match in pattern.finditer(text):
            span = match.span() if rule.span is None else rule.span(match)
            if span is None or span[1] <= reading.tail:
                continue
            if rule.category == "command" and not is_request(text, *span):
                continue
            if (
                rule.category == "injection"
                and policy.allow_quoted_discussion
                and is_quoted_discussion(text, *span)
            ):
                continue
            return True
    return False
