"""
title: AlphaOmega · Safety
author: AlphaOmega
version: 0.1.0
license: MIT
description: Blocks prompt injection and destructive-command requests; masks PII and secrets.
"""

from typing import Any, Literal

from pydantic import BaseModel, Field

from alphaomega import host
from alphaomega.safety.policy_guard import SafetyGuard, audit_log_for


class Pipeline:
    class Valves(BaseModel):
        pipelines: list[str] = Field(
            default=["*"], description="Model ids this filter applies to; * for every model"
        )
        priority: int = Field(
            default=0,
            description="Lower runs first; 0 so masking happens before memory and tracing",
        )
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

    def __init__(self) -> None:
        self.type = "filter"
        self.id = "alphaomega_safety"
        self.name = "AlphaOmega · Safety"
        self.valves = self.Valves()
        self.guard = SafetyGuard()
        host.attach(self)

    def _settings(self) -> dict[str, Any]:
        return self.valves.model_dump()

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        return await self.guard.inlet(
            body,
            user,
            self._settings(),
            policy_file=self.valves.policy_file or "",
            audit=audit_log_for(self.valves.audit_enabled, self.valves.audit_log_path or ""),
            check_tasks=self.valves.check_tasks,
        )

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        return await self.guard.outlet(
            body,
            user,
            self._settings(),
            policy_file=self.valves.policy_file or "",
            audit=audit_log_for(self.valves.audit_enabled, self.valves.audit_log_path or ""),
        )
