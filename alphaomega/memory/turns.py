"""The bounded queue of turns waiting to be stored, and the /forget marks that reach into it.

One writer thread takes turns in order. A /forget must also reach turns told before it that
have not been written yet: those still queued are removed at once, and one the writer has
already taken is skipped when it comes to write it (``forgotten``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal


@dataclass
class Turn:
    user_id: str
    messages: list[dict[str, str]]
    infer: bool
    seq: int

    def says(self, needle: str) -> bool:
        """Whether the person's own words contain ``needle`` ("" is in everything)."""
        return any(
            needle in str(m.get("content", "")).casefold()
            for m in self.messages
            if m.get("role") == "user"
        )


class TurnQueue:
    def __init__(self, size: int) -> None:
        self.size = size
        self._turns: deque[Turn] = deque()
        self._changed = threading.Condition()
        self._seq = 0
        # person -> [(text, first seq the /forget does not reach)]
        self._forgets: dict[str, list[tuple[str, int]]] = {}
        self._closing = False
        self._deadline = 0.0
        self._writing = False

    def put(self, user_id: str, messages: list[dict[str, str]], infer: bool
            ) -> Literal["queued", "full", "closed"]:
        with self._changed:
            if self._closing:
                return "closed"
            self._seq += 1
            if len(self._turns) >= self.size:
                return "full"
            self._turns.append(Turn(user_id, list(messages), infer, self._seq))
            self._changed.notify()
            return "queued"

    def take(self) -> Turn | None:
        """The next turn, waiting for one; None once closed and drained (or past the drain)."""
        with self._changed:
            self._changed.wait_for(lambda: self._turns or self._closing)
            if not self._turns or (self._closing and time.monotonic() > self._deadline):
                return None
            self._writing = True
            return self._turns.popleft()

    def done(self) -> None:
        with self._changed:
            self._writing = False
            if not self._turns:
                self._forgets.clear()  # every turn a mark could reach is written

    def forgotten(self, turn: Turn) -> bool:
        with self._changed:
            marks = self._forgets.get(turn.user_id, [])
            return any(turn.seq < until and turn.says(text) for text, until in marks)

    def forget(self, user_id: str, text: str) -> None:
        """Drop this person's turns that say ``text`` (all of them for ""), told until now."""
        with self._changed:
            self._forgets.setdefault(user_id, []).append((text, self._seq + 1))
            kept = [t for t in self._turns if not (t.user_id == user_id and t.says(text))]
            self._turns.clear()
            self._turns.extend(kept)

    def close(self, drain_s: float) -> None:
        with self._changed:
            self._closing = True
            self._deadline = time.monotonic() + drain_s
            self._changed.notify_all()

    def wait_closed(self, timeout_s: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._closing, timeout=timeout_s)

    def discard(self) -> int:
        with self._changed:
            count = len(self._turns)
            self._turns.clear()
            return count

    @property
    def idle(self) -> bool:
        with self._changed:
            return not self._turns and not self._writing
