"""Safety: what may pass through the pack, and what may reach a mouse and keyboard."""

from ._audit import AuditEvent, AuditLog, shared_audit_log
from ._settings import PolicySwitches, SafetySettings
from .actions import ActionCall, ActionLimits, ActionVerdict, validate_action
from .policy import (
    RELAY_SYSTEM,
    OutputVerdict,
    SafetyGuard,
    SafetyPolicy,
    Verdict,
    audit_log_for,
    blocked_notice,
    check_input,
    check_output,
    check_turns,
)
from .redact import Finding

__all__ = [
    "RELAY_SYSTEM",
    "ActionCall",
    "ActionLimits",
    "ActionVerdict",
    "AuditEvent",
    "AuditLog",
    "Finding",
    "OutputVerdict",
    "PolicySwitches",
    "SafetyGuard",
    "SafetyPolicy",
    "SafetySettings",
    "Verdict",
    "audit_log_for",
    "blocked_notice",
    "check_input",
    "check_output",
    "check_turns",
    "shared_audit_log",
    "validate_action",
]
