"""What keeps the agent host safe to run: its token, a rate limit on actions, the audit log."""

from __future__ import annotations

import collections
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TOKEN_ENV = "ALPHAOMEGA_AGENT_TOKEN"
TOKEN_FILE = "agent_token"
AUDIT_FILE = Path("audit") / "agent.jsonl"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def host_token(data_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """``ALPHAOMEGA_AGENT_TOKEN``, else the token kept in ``data_dir`` (made once, mode 0600)."""
    env = os.environ if environ is None else environ
    given = env.get(TOKEN_ENV, "").strip()
    if given:
        return given
    path = Path(data_dir) / TOKEN_FILE
    if path.is_file():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "aoa-" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token``, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        given = ""
    return hmac.compare_digest(given.strip().encode(), token.encode())


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


class RateLimit:
    """At most ``per_minute`` actions in any sliding minute."""

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._times: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when an action may go now (and counts it), else the seconds until one may."""
        now = self._clock()
        with self._lock:
            while self._times and now - self._times[0] >= 60.0:
                self._times.popleft()
            if len(self._times) >= self.per_minute:
                return 60.0 - (now - self._times[0])
            self._times.append(now)
            return 0.0


class ActionAudit:
    """Append-only JSON Lines: one line per action tried, whole lines in one ``write``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(
        self,
        *,
        user: str,
        action: str,
        allowed: bool,
        rules: list[str],
        screenshot_sha256: str | None,
        done: list[str] | None = None,
    ) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "user": user,
            "action": action,
            "allowed": allowed,
            "rules": rules,
            "screenshot_sha256": screenshot_sha256,
            "done": done or [],
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
