"""
title: AlphaOmega · Safety
author: AlphaOmega
version: 0.1.0
license: MIT
description: Blocks prompt injection and destructive-command requests; masks PII and secrets.
"""

from typing import Any

from alphaomega import host
from alphaomega.safety import SafetyGuard, SafetySettings, audit_log_for


class Pipeline:
    class Valves(SafetySettings):  # the core's settings are the valves, declared there
        pass

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
