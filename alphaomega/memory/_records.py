"""What the memory service counts and reports: stats, search results, throttled log lines."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from ._logic import MemoryHit

Outcome = Literal["ok", "timeout", "busy", "error", "unavailable", "empty", "indexing"]


class SearchResult(BaseModel):
    hits: list[MemoryHit]
    outcome: Outcome
    elapsed_ms: float


@dataclass
class MemoryStats:
    stored: int = 0
    dropped: int = 0
    failed: int = 0
    searches: int = 0
    search_timeouts: int = 0
    search_busy: int = 0
    search_errors: int = 0
    search_indexing: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)


class ThrottledLog:
    """A log line that repeats at most once per interval: a failing backend cannot flood."""

    def __init__(self, logger: logging.Logger, interval_s: float) -> None:
        self.logger = logger
        self.interval_s = interval_s
        self._last = float("-inf")
        self._lock = threading.Lock()

    def _due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval_s:
                return False
            self._last = now
            return True

    def warning(self, message: str, *args: Any) -> None:
        if self._due():
            self.logger.warning(message, *args)
