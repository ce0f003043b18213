"""The safety filter's hooks, minus the plugin file: policy loading, screening, audit.

All I/O stays off the server's event loop: the policy file is stat-ed and read in a worker
thread (at most every few seconds), audit events go to a background writer, and a body with a
lot of text is screened in a thread. A normal chat message is screened inline: it costs far
less than a thread hop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ...messages import is_task
from .._audit import AuditEvent, AuditLog, shared_audit_log, utc_now
from ._chat import (
    METADATA_KEY,
    Screening,
    screen_reply,
    screen_request,
    text_of,
)
from ._model import SafetyPolicy, policy_from_sources

log = logging.getLogger(__name__)

INLINE_CHARS = 8_000
"""Bodies with more text than this are screened in a worker thread (a message is read several
ways, see :mod:`._readings`: 8,000 characters take about a millisecond or two)."""


@dataclass(frozen=True)
class _FileState:
    signature: tuple[int, int] | None
    text: str | None


class PolicyStore:
    """The current :class:`SafetyPolicy` for a set of valves and an optional policy file.

    A file that cannot be read or does not validate is reported in the log and the last good
    policy stays in force (the valves alone when there never was one).
    """

    def __init__(self, *, recheck_s: float = 5.0) -> None:
        self.recheck_s = recheck_s
        self._file: dict[str, _FileState] = {}
        self._checked: dict[str, float] = {}
        self._built: dict[tuple[str, str, tuple[int, int] | None], SafetyPolicy] = {}
        self._last_good: SafetyPolicy | None = None

    async def get(self, valves: Mapping[str, Any], path: str = "") -> SafetyPolicy:
        path = path.strip()
        state = await self._file_state(path) if path else _FileState(None, None)
        key = (json.dumps(dict(valves), sort_keys=True, default=str), path, state.signature)
        policy = self._built.get(key)
        if policy is not None:
            return policy
        try:
            policy = policy_from_sources(valves, state.text, source=path or "valves")
        except ConfigError as exc:
            log.error("safety policy not applied, keeping the previous one: %s", exc)
            policy = self._last_good or self._valves_only(valves)
        else:
            self._last_good = policy
        if len(self._built) > 32:
            self._built.clear()
        self._built[key] = policy
        return policy

    @staticmethod
    def _valves_only(valves: Mapping[str, Any]) -> SafetyPolicy:
        try:
            return policy_from_sources(valves)
        except ConfigError as exc:
            log.error("safety valves invalid, using the default policy: %s", exc)
            return SafetyPolicy()

    async def _file_state(self, path: str) -> _FileState:
        now = time.monotonic()
        known = self._file.get(path)
        if known is not None and now - self._checked.get(path, 0.0) < self.recheck_s:
            return known
        self._checked[path] = now
        state = await asyncio.to_thread(_read_if_changed, path, known)
        self._file[path] = state
        return state


def _read_if_changed(path: str, known: _FileState | None) -> _FileState:
    try:
        stat = os.stat(Path(path).expanduser())
    except OSError as exc:
        if known is None or known.signature is not None:
            log.warning("safety policy file %s not readable (%s); using the valves", path, exc)
        return _FileState(None, None)
    signature = (stat.st_mtime_ns, stat.st_size)
    if known is not None and known.signature == signature:
        return known
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("safety policy file %s not readable (%s); using the valves", path, exc)
        return _FileState(None, None)
    return _FileState(signature, text)


def _text_size(body: dict[str, Any]) -> int:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return 0
    return sum(len(text_of(m.get("content"))) for m in messages if isinstance(m, dict))


def _user_id(body: dict[str, Any], user: Mapping[str, Any] | None) -> str:
    if isinstance(user, Mapping) and user.get("id"):
        return str(user["id"])
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and metadata.get("user_id"):
        return str(metadata["user_id"])
    return ""


class SafetyGuard:
    """What ``filters/safety_filter.py`` calls from its ``inlet`` and ``outlet``."""

    def __init__(self, *, store: PolicyStore | None = None) -> None:
        self.store = store or PolicyStore()

    async def inlet(
        self,
        body: dict[str, Any],
        user: Mapping[str, Any] | None,
        valves: Mapping[str, Any],
        *,
        policy_file: str = "",
        audit: AuditLog | None = None,
        check_tasks: bool = False,
    ) -> dict[str, Any]:
        policy = await self.store.get(valves, policy_file)
        check_blocks = check_tasks or not is_task(body)
        screened = await self._run(screen_request, body, policy, check_blocks)
        self._audit(screened, body, user, audit, "inlet")
        return _with_record(screened, "inlet")

    async def outlet(
        self,
        body: dict[str, Any],
        user: Mapping[str, Any] | None,
        valves: Mapping[str, Any],
        *,
        policy_file: str = "",
        audit: AuditLog | None = None,
    ) -> dict[str, Any]:
        policy = await self.store.get(valves, policy_file)
        screened = await self._run(screen_reply, body, policy, True)
        self._audit(screened, body, user, audit, "outlet")
        return _with_record(screened, "outlet")

    @staticmethod
    async def _run(
        screen: Any, body: dict[str, Any], policy: SafetyPolicy, check: bool
    ) -> Screening:
        if _text_size(body) > INLINE_CHARS:
            return await asyncio.to_thread(screen, body, policy, check_blocks=check)
        return screen(body, policy, check_blocks=check)

    @staticmethod
    def _audit(
        screened: Screening,
        body: dict[str, Any],
        user: Mapping[str, Any] | None,
        audit: AuditLog | None,
        stage: str,
    ) -> None:
        if audit is None or not screened.audit:
            return
        user_id = _user_id(body, user)
        model = body.get("model") if isinstance(body.get("model"), str) else None
        now = utc_now()
        for item in screened.audit:
            audit.record(
                AuditEvent(
                    time=now,
                    user_id=user_id,
                    rule=item.rule,
                    action=item.action,
                    content_sha256=item.content_sha256,
                    stage=stage,
                    count=item.count,
                    model=model,
                )
            )


def _with_record(screened: Screening, stage: str) -> dict[str, Any]:
    body = screened.body
    metadata = body.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata[METADATA_KEY] = screened.record(stage)
    return {**body, "metadata": metadata}


def audit_log_for(enabled: bool, path: str = "") -> AuditLog | None:
    """The shared writer for the valve's path (or the default), or None when auditing is off."""
    return shared_audit_log(path.strip() or None) if enabled else None
