"""Turns between their inlet and their outlet, bounded in count and age.

An inlet whose outlet never comes (the user closed the tab, the model failed, a task request
slipped through) must not stay forever: entries expire after a TTL and the oldest go first when
the map is full. Nothing here keeps a trace open; an entry is only a start time and the inlet's
view of the turn.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

from ._turns import TurnStart


class OpenTurns:
    def __init__(
        self,
        max_size: int = 10_000,
        ttl_s: float = 1800.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_size = max_size
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, tuple[float, TurnStart]] = OrderedDict()
        self._by_key: dict[str, deque[int]] = {}
        self._ids = itertools.count()
        self.expired = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._entries)

    def resize(self, max_size: int, ttl_s: float) -> None:
        with self._lock:
            self.max_size, self.ttl_s = max_size, ttl_s
            self._forget_stale(self._clock())
            while len(self._entries) > self.max_size:
                self._pop_oldest()
                self.evicted += 1

    def add(self, start: TurnStart) -> None:
        with self._lock:
            now = self._clock()
            self._forget_stale(now)
            while len(self._entries) >= self.max_size:
                self._pop_oldest()
                self.evicted += 1
            entry_id = next(self._ids)
            self._entries[entry_id] = (now, start)
            self._by_key.setdefault(start.key, deque()).append(entry_id)

    def take(self, keys: Iterable[str]) -> TurnStart | None:
        """Remove and return the oldest entry stored under the first key that has one."""
        with self._lock:
            self._forget_stale(self._clock())
            for key in keys:
                waiting = self._by_key.get(key)
                if not waiting:
                    continue
                entry_id = waiting.popleft()
                if not waiting:
                    del self._by_key[key]
                return self._entries.pop(entry_id)[1]
            return None

    def _forget_stale(self, now: float) -> None:
        while self._entries:
            added, _ = next(iter(self._entries.values()))
            if now - added < self.ttl_s:
                return
            self._pop_oldest()
            self.expired += 1

    def _pop_oldest(self) -> None:
        # The globally oldest entry is also the first one queued under its key.
        entry_id, (_, start) = self._entries.popitem(last=False)
        waiting = self._by_key[start.key]
        waiting.popleft()
        if not waiting:
            del self._by_key[start.key]
