"""The bounded queue of turns waiting to be stored, and the /forget marks that reach into it.

Writer threads take turns in the order they were told, one turn per person at a time: a
person's turns are written in order, different people's at once. A /forget must also reach
turns told before it that have not been written yet: those still queued are removed at once,
and one a writer has already taken is skipped when it comes to write it (``forgotten``).
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
        self._writing: dict[int, str] = {}  # seq -> person, of the turns being written

    def put(
        self, user_id: str, messages: list[dict[str, str]], infer: bool
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

    def _next_free(self) -> Turn | None:
        """The oldest turn of a person none of whose turns is being written."""
        busy = set(self._writing.values())
        return next((t for t in self._turns if t.user_id not in busy), None)

    def take(self) -> Turn | None:
        """The next turn, waiting for one; None once closed and drained (or past the drain)."""
        with self._changed:
            self._changed.wait_for(lambda: self._closing or self._next_free() is not None)
            turn = self._next_free()
            if turn is None or (self._closing and time.monotonic() > self._deadline):
                self._changed.notify_all()  # other writers see the end too
                return None
            self._turns.remove(turn)
            self._writing[turn.seq] = turn.user_id
            return turn

    def done(self, turn: Turn | None = None) -> None:
        """``turn`` is written (with one writer, the turn it took)."""
        with self._changed:
            if turn is not None:
                self._writing.pop(turn.seq, None)
            elif self._writing:
                self._writing.pop(next(iter(self._writing)))
            if not self._turns and not self._writing:
                self._forgets.clear()  # every turn a mark could reach is written
            self._changed.notify_all()  # that person's next turn may be taken now

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
