"""The chat safety policy: the policy as data, the checks that apply it, and the filter's guard."""

from ._chat import NOTICE_KEY, RELAY_SYSTEM, blocked_notice, screen_reply, screen_request
from ._check import BUILT_IN_RULES, TURN_WINDOW, check_input, check_turns
from ._guard import SafetyGuard, audit_log_for
from ._model import (
    OutputVerdict,
    PatternRule,
    SafetyPolicy,
    Verdict,
    check_output,
    policy_from_sources,
)

__all__ = [
    "BUILT_IN_RULES",
    "NOTICE_KEY",
    "RELAY_SYSTEM",
    "TURN_WINDOW",
    "OutputVerdict",
    "PatternRule",
    "SafetyGuard",
    "SafetyPolicy",
    "Verdict",
    "audit_log_for",
    "blocked_notice",
    "check_input",
    "check_output",
    "check_turns",
    "policy_from_sources",
    "screen_reply",
    "screen_request",
]
