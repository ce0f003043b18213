"""Safety: what may pass through the pack, and what may reach a mouse and keyboard."""

from .actions import ActionVerdict, validate_action
from .audit import AuditEvent, AuditLog, shared_audit_log
from .policy import OutputVerdict, SafetyPolicy, Verdict, check_output
from .policy_chat import blocked_notice
from .policy_check import check_input, check_turns
from .redact import Finding

__all__ = [
    "ActionVerdict",
    "AuditEvent",
    "AuditLog",
    "Finding",
    "OutputVerdict",
    "SafetyPolicy",
    "Verdict",
    "blocked_notice",
    "check_input",
    "check_output",
    "check_turns",
    "shared_audit_log",
    "validate_action",
]
