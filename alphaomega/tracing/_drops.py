"""Counting spans that will never reach Langfuse, and saying so in the log without flooding it."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

log = logging.getLogger(__name__)


class DropCounter:
    """Counts spans that will never reach Langfuse and says so in the log, without flooding it:
    the first drop at once, then at most one line per ``report_every_s`` with the totals."""

    def __init__(self, where: str, report_every_s: float = 30.0) -> None:
        self.where = where
        self.report_every_s = report_every_s
        self._lock = threading.Lock()
        self._reasons: Counter[str] = Counter()
        self._reported = 0
        self._last_report = float("-inf")

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._reasons.values())

    def by_reason(self) -> dict[str, int]:
        with self._lock:
            return dict(self._reasons)

    def add(self, spans: int, reason: str) -> None:
        if spans <= 0:
            return
        with self._lock:
            self._reasons[reason] += spans
            now = time.monotonic()
            if now - self._last_report < self.report_every_s:
                return
            self._last_report = now
            self._log_locked()

    def report(self) -> None:
        """Log totals not yet logged (at close)."""
        with self._lock:
            if sum(self._reasons.values()) > self._reported:
                self._log_locked()

    def _log_locked(self) -> None:
        total = sum(self._reasons.values())
        new = total - self._reported
        self._reported = total
        reasons = ", ".join(f"{name}: {count}" for name, count in sorted(self._reasons.items()))
        log.warning(
            "Langfuse tracing dropped %d spans (%d since the last report; %s) for %s; "
            "chats are not affected",
            total,
            new,
            reasons,
            self.where,
        )
