"""Everyone's memories, served to async hooks that must never wait on them.

mem0 is synchronous and an embedder can stall, so nothing here runs mem0 on the caller's loop:
- searches run in a small pool of their own; a caller waits at most its budget, and at most
  ``max_pending_searches`` searches may be running or queued at once, so a stuck embedder
  costs a bounded number of threads, never the loop;
- turns to store go into a bounded queue drained by one writer thread, which also opens the
  backend (and retries while it is down, with one log line per outage);
- commands (/memories, /forget) run in one more thread and take the writer's lock, so a
  ``forget`` lands after the write that was in progress.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from ..errors import BackendTimeout, BackendUnavailable
from .adapters import Embedder, ExtractionLLM
from .backend import MemoryBackend
from .config import MemorySettings
from .logic import MemoryHit
from .records import MemoryStats, Outcome, SearchResult, ThrottledLog
from .turns import Turn, TurnQueue

log = logging.getLogger(__name__)
T = TypeVar("T")

SEARCH_THREADS = 2
COMMAND_TIMEOUT_S = 60.0
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 60.0
FORGET_CANDIDATES = 50

State = Literal["new", "starting", "ready", "unavailable", "missing", "closed"]


class MemoryService:
    def __init__(
        self,
        settings: MemorySettings,
        *,
        embedder: Embedder | None = None,
        llm: ExtractionLLM | None = None,
    ) -> None:
        self.settings = settings
        self.stats = MemoryStats()
        self.state: State = "new"
        self.reason = ""
        self._embedder, self._llm = embedder, llm
        self._backend: MemoryBackend | None = None
        self._ready = threading.Event()
        self._turns = TurnQueue(settings.queue_size)
        self._state_lock = threading.Lock()
        self._closing = False
        self._write_lock = threading.Lock()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._searches = concurrent.futures.ThreadPoolExecutor(
            SEARCH_THREADS, thread_name_prefix="alphaomega-memory-search"
        )
        self._commands = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="alphaomega-memory-command"
        )
        self._writer = threading.Thread(
            target=self._run_writer, name="alphaomega-memory-writer", daemon=True
        )
        self._drop_log = ThrottledLog(log, 30.0)
        self._failure_log = ThrottledLog(log, 30.0)

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the backend in the background; until it is ready, chats go on without it."""
        if self.state == "new":
            self.state = "starting"
            self._writer.start()

    @property
    def available(self) -> bool:
        return self.state == "ready"

    def apply(self, settings: MemorySettings) -> None:
        """Take new behaviour settings (top_k, budget, infer, ...) of the same backend."""
        self.settings = settings
        if self._backend is not None:
            self._backend.set_extraction_model(settings.infer_model)

    async def wait_ready(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not self._ready.is_set() and time.monotonic() < deadline:
            if self.state in ("missing", "closed"):
                return False
            await asyncio.sleep(0.05)
        return self._ready.is_set()

    async def flush(self, timeout_s: float) -> bool:
        """Wait (without blocking the loop) until every queued turn has been written."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._turns.idle:
                return True
            await asyncio.sleep(0.02)
        return False

    def close(self, drain_s: float = 2.0) -> None:
        """Stop: write what is queued for up to ``drain_s``, then release the backend."""
        with self._state_lock:
            if self.state == "closed":
                return
            self._closing = True
        self._turns.close(drain_s)
        if self._writer.is_alive():
            self._writer.join(drain_s + 10.0)
            if self._writer.is_alive():
                log.warning("memory: the writer is still busy at shutdown; leaving it behind")
        self._searches.shutdown(wait=False, cancel_futures=True)
        self._commands.shutdown(wait=False, cancel_futures=True)
        self._ready.clear()
        with self._state_lock:
            self.state = "closed"

    # -- the writer thread ------------------------------------------------------------------

    def _open_backend(self) -> MemoryBackend | None:
        delay = RETRY_FIRST_S
        while True:
            try:
                backend = MemoryBackend(self.settings, embedder=self._embedder, llm=self._llm)
                backend.embedder.embed("warm up")  # the first encode is slow; not in a chat
            except ImportError as exc:
                self.state, self.reason = "missing", f"not installed: {exc.name or exc}"
                log.warning("memory: %s; chats go on without memories", self.reason)
                return None
            except Exception as exc:
                if self.state != "unavailable":
                    log.warning("memory: backend unavailable, chats go on without memories "
                                "until it answers: %s", exc)
                self.state, self.reason = "unavailable", str(exc) or exc.__class__.__name__
                if self._turns.wait_closed(delay):
                    return None
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            with self._state_lock:
                if self._closing:  # closed while it was opening
                    backend.close()
                    return None
                if self.state == "unavailable":
                    log.info("memory: backend available again")
                self._backend = backend
                self.state, self.reason = "ready", ""
            self._ready.set()
            return backend

    def _run_writer(self) -> None:
        backend = self._open_backend()
        if backend is None:
            self.stats.add("dropped", self._turns.discard())
            return
        try:
            while (turn := self._turns.take()) is not None:
                try:
                    self._store(backend, turn)
                finally:
                    self._turns.done()
            self.stats.add("dropped", self._turns.discard())
        finally:
            with self._write_lock:
                self._backend = None
                backend.close()

    def _store(self, backend: MemoryBackend, turn: Turn) -> None:
        with self._write_lock:
            if self._turns.forgotten(turn):
                return
            try:
                self.stats.add("stored", backend.add(turn.user_id, turn.messages, infer=turn.infer))
            except Exception as exc:
                self.stats.add("failed")
                self._failure_log.warning("memory: storing a turn failed (%s failures so far): %s",
                                          self.stats.failed, exc)

    # -- what chats call ----------------------------------------------------------------------

    async def remember(self, user_id: str, messages: list[dict[str, str]], *,
                       infer: bool | None = None) -> bool:
        """Queue one turn to store; never waits. False when it was dropped."""
        if not user_id or not messages or self.state in ("missing", "closed"):
            return False
        infer = self.settings.infer if infer is None else infer
        outcome = self._turns.put(user_id, messages, infer)
        if outcome == "full":
            self.stats.add("dropped")
            self._drop_log.warning("memory: store queue full (%s turns); dropped %s turns so far",
                                   self.settings.queue_size, self.stats.dropped)
        return outcome == "queued"

    async def lookup(self, user_id: str, query: str, *, budget_s: float | None = None,
                     top_k: int | None = None, threshold: float | None = None) -> SearchResult:
        """Search this person's memories; past the budget, an empty result."""
        started = time.perf_counter()

        def result(hits: list[MemoryHit], outcome: Outcome) -> SearchResult:
            elapsed = (time.perf_counter() - started) * 1000
            return SearchResult(hits=hits, outcome=outcome, elapsed_ms=round(elapsed, 2))

        backend, settings = self._backend, self.settings
        if backend is None:
            return result([], "unavailable")
        if not user_id or not query.strip():
            return result([], "empty")
        with self._pending_lock:
            if self._pending >= settings.max_pending_searches:
                self.stats.add("search_busy")
                return result([], "busy")
            self._pending += 1
        self.stats.add("searches")
        try:
            future = self._searches.submit(
                backend.search, user_id, query,
                top_k or settings.top_k,
                settings.score_threshold if threshold is None else threshold,
            )
        except RuntimeError:  # shut down meanwhile
            self._search_done(None)
            return result([], "unavailable")
        future.add_done_callback(self._search_done)
        budget = settings.budget_ms / 1000 if budget_s is None else budget_s
        try:
            return result(await asyncio.wait_for(asyncio.wrap_future(future), budget), "ok")
        except TimeoutError:
            self.stats.add("search_timeouts")
            return result([], "timeout")
        except Exception as exc:
            self.stats.add("search_errors")
            self._failure_log.warning("memory: search failed: %s", exc)
            return result([], "error")

    def _search_done(self, _future: Any) -> None:
        with self._pending_lock:
            self._pending -= 1

    @property
    def pending_searches(self) -> int:
        return self._pending

    async def search(self, user_id: str, query: str, *, budget_s: float | None = None,
                     top_k: int | None = None) -> list[MemoryHit]:
        return (await self.lookup(user_id, query, budget_s=budget_s, top_k=top_k)).hits

    # -- commands --------------------------------------------------------------------------

    async def _command(self, work: Callable[[MemoryBackend], T]) -> T:
        backend = self._backend
        if backend is None:
            raise BackendUnavailable(self.reason or "still starting", url="memory")

        def locked() -> T:
            with self._write_lock:
                return work(backend)

        future = self._commands.submit(locked)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), COMMAND_TIMEOUT_S)
        except TimeoutError as exc:
            raise BackendTimeout(f"no answer within {COMMAND_TIMEOUT_S:.0f} s",
                                 url="memory") from exc

    async def list(self, user_id: str) -> list[MemoryHit]:
        return await self._command(lambda backend: backend.list(user_id)) if user_id else []

    async def forget(self, user_id: str, text: str) -> list[MemoryHit]:
        """Delete this person's memories that contain ``text`` or are close to it in meaning."""
        needle = text.strip().casefold()
        if not user_id or not needle:
            return []
        threshold = self.settings.forget_threshold

        def work(backend: MemoryBackend) -> list[MemoryHit]:
            self._turns.forget(user_id, needle)
            chosen = {h.id: h for h in backend.list(user_id) if needle in h.text.casefold()}
            for hit in backend.search(user_id, text, FORGET_CANDIDATES, threshold):
                chosen.setdefault(hit.id, hit)
            backend.delete(user_id, list(chosen))
            return list(chosen.values())

        return await self._command(work)

    async def forget_all(self, user_id: str) -> int:
        """Delete every memory of this person, and the turns of theirs still queued."""
        if not user_id:
            return 0

        def work(backend: MemoryBackend) -> int:
            self._turns.forget(user_id, "")
            return backend.delete_all(user_id)

        return await self._command(work)
