"""The safety filter's settings, declared once: the plugin's Valves are this model.

:class:`PolicySwitches` are the switches a deployment may set in the valves or in its policy
file; :class:`~.policy.SafetyPolicy` has the same ones (plus its rules), so a switch is named,
typed and described in one place. :class:`SafetySettings` adds what only the filter reads: the
models it applies to, its place among filters, task screening, the policy file and the audit
log. Field order is the admin form's order.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PolicySwitches(BaseModel):
    """The switches a deployment sets in the safety filter's valves, declared once: the valves
    (:class:`SafetySettings`) and the policy both have them, in this order, and the
    admin panel shows these descriptions. The two lists are comma-separated text in the valves
    (the admin form edits text) and lists in the policy."""

    check_injection: bool = Field(
        default=True, description="Block prompt-injection markers (ignore previous ...)"
    )
    check_destructive_commands: bool = Field(
        default=True, description="Block requests to run rm -rf /, dd, mkfs, fork bombs ..."
    )
    blocked_terms: str | None = Field(
        default=None, description="Comma-separated words or phrases that always block"
    )
    disabled_rules: str | None = Field(
        default=None, description="Comma-separated rule ids or prefixes to switch off"
    )
    allow_quoted_discussion: bool = Field(
        default=True, description="Let a quoted injection phrase pass when it is discussed"
    )
    redact_email: bool = Field(default=True, description="Mask e-mail addresses")
    redact_phone: bool = Field(default=True, description="Mask phone numbers")
    redact_api_keys: bool = Field(
        default=True, description="Mask API keys and tokens (sk-, ghp_, AKIA, xox, AIza, JWT)"
    )
    redact_generic_secrets: bool = Field(
        default=True, description="Mask password=, token=, secret= values and URL passwords"
    )
    redact_private_keys: bool = Field(default=True, description="Mask private key blocks")
    allow_example_addresses: bool = Field(
        default=True, description="Leave example.com and .test addresses unmasked"
    )
    output_check: bool = Field(default=True, description="Check replies for secrets")
    output_action: Literal["redact", "block"] = Field(
        default="redact", description="redact or block a reply that contains a secret"
    )
    output_redact_pii: bool = Field(
        default=False, description="Also mask e-mail addresses and phone numbers in replies"
    )


class _SafetyFilterPlacement(BaseModel):
    """Which models the filter screens and where it runs: first on the admin form."""

    pipelines: list[str] = Field(
        default=["*"], description="Model ids this filter applies to; * for every model"
    )
    priority: int = Field(
        default=0,
        description="Lower runs first; 0 so masking happens before memory and tracing",
    )


# The switches come after the placement: pydantic orders inherited fields from the last base on.
class SafetySettings(PolicySwitches, _SafetyFilterPlacement):
    """The safety filter's valves."""

    check_tasks: bool = Field(
        default=False, description="Also block title/tag generation requests (masking always)"
    )
    policy_file: str | None = Field(
        default=None, description="Path to a YAML policy file with the same keys, plus rules"
    )
    audit_enabled: bool = Field(default=True, description="Write the audit log")
    audit_log_path: str | None = Field(
        default=None,
        description="Audit log file (JSON Lines); None: audit/safety.jsonl in the data dir",
    )
