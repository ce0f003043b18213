"""A circuit breaker per instance (pure logic: the caller passes the time in).

Closed: requests flow; ``failures`` failures in a row open it. Open: no request for
``cooldown_s``. Then half-open: one request at a time goes through as a probe; its success
closes the breaker, its failure opens it again for a longer cool-down (doubling, capped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BreakerState = Literal["closed", "open", "half-open"]

MAX_COOLDOWN_FACTOR = 8


@dataclass
class CircuitBreaker:
    failures: int = 3
    cooldown_s: float = 10.0
    consecutive: int = 0
    opened_at: float | None = None
    reopened: int = 0  # probes that failed in a row: each doubles the cool-down
    probing: bool = False

    def current_cooldown(self) -> float:
        return self.cooldown_s * min(2**self.reopened, MAX_COOLDOWN_FACTOR)

    def state(self, now: float) -> BreakerState:
        if self.opened_at is None:
            return "closed"
        if now - self.opened_at < self.current_cooldown():
            return "open"
        return "half-open"

    def allows(self, now: float) -> bool:
        """Whether a request may go to the instance now (no state change)."""
        state = self.state(now)
        return state == "closed" or (state == "half-open" and not self.probing)

    def on_dispatch(self, now: float) -> None:
        """A request was sent; in half-open it is the probe, and no other goes until it ends."""
        if self.state(now) == "half-open":
            self.probing = True

    def on_success(self) -> None:
        self.consecutive = 0
        self.opened_at = None
        self.reopened = 0
        self.probing = False

    def on_failure(self, now: float) -> None:
        self.consecutive += 1
        if self.opened_at is not None:
            if self.probing or self.state(now) == "half-open":
                self.reopened += 1  # the probe failed: stay out longer
            self.opened_at = now
        elif self.consecutive >= self.failures:
            self.opened_at = now
        self.probing = False

    def on_abandon(self) -> None:
        """A dispatched request ended with neither success nor failure (the caller left)."""
        self.probing = False
