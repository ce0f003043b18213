"""Everyone's memories, served to async hooks that must never wait on them.

mem0 is synchronous and an embedder can stall, so nothing here runs mem0 on the caller's loop:
- searches run in a small pool of their own; a caller waits at most its budget, and at most
  ``max_pending_searches`` searches may be running or queued at once, so a stuck embedder
  costs a bounded number of threads, never the loop;
- a person's search index is loaded from Qdrant by one more thread on their first message;
  that message waits for it within its budget only, and the load goes on past it;
- turns to store go into a bounded queue drained by ``store_workers`` writer threads (fact
  extraction mostly waits on the fleet), one turn per person at a time so a person's turns
  land in order; the first writer also opens the backend (and retries while it is down, with
  one log line per outage);
- commands (/memories, /forget) run in one more thread and take that person's write lock, so
  a ``forget`` lands after the write of theirs that was in progress.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

from .. import runtime
from ..errors import BackendTimeout, BackendUnavailable
from . import _backend as backends
from ._adapters import Embedder, ExtractionLLM
from ._backend import MemoryBackend
from ._config import MemorySettings
from ._logic import MemoryHit
from ._recall import RecallRules
from ._records import MemoryStats, Outcome, SearchResult, ThrottledLog
from ._turns import Turn, TurnQueue

log = logging.getLogger(__name__)
T = TypeVar("T")

SEARCH_THREADS = 2
COMMAND_TIMEOUT_S = 60.0
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 60.0
FORGET_CANDIDATES = 50
CLOSE_WAIT_S = 10.0

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
        # One lock per person with a write or command in progress, dropped when unused.
        self._person_locks: dict[str, list[Any]] = {}
        self._person_locks_guard = threading.Lock()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._searches = concurrent.futures.ThreadPoolExecutor(
            SEARCH_THREADS, thread_name_prefix="alphaomega-memory-search"
        )
        self._commands = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="alphaomega-memory-command"
        )
        # One thread loads people's search indexes from Qdrant, so a slow load never takes a
        # search thread; a load outlives the budget of the message that asked for it.
        self._indexer = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="alphaomega-memory-index"
        )
        self._index_loads: dict[str, concurrent.futures.Future[None]] = {}
        self._index_lock = threading.RLock()
        self._writers = [
            threading.Thread(
                target=self._run_writer,
                args=(n,),
                daemon=True,
                name=f"alphaomega-memory-writer-{n}",
            )
            for n in range(settings.store_workers)
        ]
        self._writers_left = len(self._writers)
        self._writers_lock = threading.Lock()
        self._drop_log = ThrottledLog(log, 30.0)
        self._failure_log = ThrottledLog(log, 30.0)

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the backend in the background; until it is ready, chats go on without it."""
        if self.state == "new":
            self.state = "starting"
            for writer in self._writers:
                writer.start()

    @property
    def available(self) -> bool:
        return self.state == "ready"

    def apply(self, settings: MemorySettings) -> None:
        """Take new behaviour settings (top_k, budget, infer, ...) of the same backend."""
        self.settings = settings
        if self._backend is not None:
            self._backend.apply(settings)

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
        deadline = time.monotonic() + drain_s + 10.0
        for writer in self._writers:
            if writer.is_alive():
                writer.join(max(deadline - time.monotonic(), 0.0))
        if any(writer.is_alive() for writer in self._writers):
            log.warning("memory: a writer is still busy at shutdown; leaving it behind")
        self._searches.shutdown(wait=False, cancel_futures=True)
        self._commands.shutdown(wait=False, cancel_futures=True)
        self._indexer.shutdown(wait=False, cancel_futures=True)
        self._ready.clear()
        with self._state_lock:
            self.state = "closed"

    # -- the writer thread ------------------------------------------------------------------

    def _open_backend(self) -> MemoryBackend | None:
        delay = RETRY_FIRST_S
        embedder = self._embedder
        while True:
            try:
                embedder = embedder or backends.make_embedder(self.settings)
                # The embedder first: while its model is missing, a retry costs one request,
                # not a whole mem0 and Qdrant set-up (about a second of CPU each time).
                embedder.embed("warm up")  # the first encode is slow; not in a chat
                backend = MemoryBackend(self.settings, embedder=embedder, llm=self._llm)
            except ImportError as exc:
                self.state, self.reason = "missing", f"not installed: {exc.name or exc}"
                log.warning("memory: %s; chats go on without memories", self.reason)
                return None
            except Exception as exc:
                if self.state != "unavailable":
                    log.warning(
                        "memory: backend unavailable, chats go on without memories "
                        "until it answers: %s",
                        exc,
                    )
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
            runtime.settle_heap()  # mem0 and Qdrant are loaded and stay
            return backend

    @contextlib.contextmanager
    def _writing_for(self, user_id: str) -> Iterator[None]:
        """Held while this person's memories change (or are read by a command)."""
        with self._person_locks_guard:
            entry = self._person_locks.setdefault(user_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._person_locks_guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._person_locks[user_id]

    def _run_writer(self, number: int) -> None:
        backend = self._open_backend() if number == 0 else self._wait_for_backend()
        try:
            if backend is not None:
                while (turn := self._turns.take()) is not None:
                    try:
                        self._store(backend, turn)
                    finally:
                        self._turns.done(turn)
        finally:
            self._writer_finished(backend)

    def _wait_for_backend(self) -> MemoryBackend | None:
        while not self._ready.wait(0.5):
            if self.state in ("missing", "closed") or self._closing:
                return None
        return self._backend

    def _writer_finished(self, backend: MemoryBackend | None) -> None:
        with self._writers_lock:
            self._writers_left -= 1
            last = self._writers_left == 0
        if not last:
            return
        self.stats.add("dropped", self._turns.discard())
        if backend is not None:
            self._backend = None  # no new command starts; let those running finish
            deadline = time.monotonic() + CLOSE_WAIT_S
            while self._person_locks and time.monotonic() < deadline:
                time.sleep(0.02)
            backend.close()

    def _store(self, backend: MemoryBackend, turn: Turn) -> None:
        with self._writing_for(turn.user_id):
            if self._turns.forgotten(turn):
                return
            try:
                self.stats.add("stored", backend.add(turn.user_id, turn.messages, infer=turn.infer))
            except Exception as exc:
                self.stats.add("failed")
                self._failure_log.warning(
                    "memory: storing a turn failed (%s failures so far): %s", self.stats.failed, exc
                )

    # -- what chats call ----------------------------------------------------------------------

    async def remember(
        self, user_id: str, messages: list[dict[str, str]], *, infer: bool | None = None
    ) -> bool:
        """Queue one turn to store; never waits. False when it was dropped."""
        if not user_id or not messages or self.state in ("missing", "closed"):
            return False
        infer = self.settings.infer if infer is None else infer
        outcome = self._turns.put(user_id, messages, infer)
        if outcome == "full":
            self.stats.add("dropped")
            self._drop_log.warning(
                "memory: store queue full (%s turns); dropped %s turns so far",
                self.settings.queue_size,
                self.stats.dropped,
            )
        return outcome == "queued"

    async def lookup(
        self,
        user_id: str,
        query: str,
        *,
        budget_s: float | None = None,
        top_k: int | None = None,
        threshold: float | None = None,
    ) -> SearchResult:
        """The memories this message needs (``recall``); past the budget, an empty result.

        With ``threshold``, a plain search instead: the memories at least that similar.
        """
        started = time.perf_counter()

        def result(hits: list[MemoryHit], outcome: Outcome) -> SearchResult:
            elapsed = (time.perf_counter() - started) * 1000
            return SearchResult(hits=hits, outcome=outcome, elapsed_ms=round(elapsed, 2))

        backend, settings = self._backend, self.settings
        if backend is None:
            return result([], "unavailable")
        if not user_id or not query.strip():
            return result([], "empty")
        budget = settings.budget_ms / 1000 if budget_s is None else budget_s
        if not backend.indexed(user_id):
            loaded = await self._index_loaded(backend, user_id, budget)
            if loaded != "ok":
                return result([], loaded)
            budget = max(budget - (time.perf_counter() - started), 0.001)
        with self._pending_lock:
            if self._pending >= settings.max_pending_searches:
                self.stats.add("search_busy")
                return result([], "busy")
            self._pending += 1
        self.stats.add("searches")
        top_k = top_k or settings.top_k
        rules = (
            None
            if threshold is not None
            else RecallRules(
                settings.score_threshold,
                settings.personal_threshold,
                settings.relative_cutoff,
                top_k,
            )
        )
        threshold = settings.score_threshold if threshold is None else threshold
        embed_async = getattr(backend.embedder, "aembed", None)
        try:
            if embed_async is not None and backend.searches_by_vector():
                # The query's embedding is a request made from here and the ranking a few
                # milliseconds of numpy: no thread hop, which under load cost far more.
                work = self._search_embedded(
                    backend, embed_async, user_id, query, top_k, threshold, rules
                )
            else:
                work = self._search_in_thread(backend, user_id, query, top_k, threshold, rules)
        except RuntimeError:  # shut down meanwhile
            self._search_done(None)
            return result([], "unavailable")
        try:
            return result(await asyncio.wait_for(work, budget), "ok")
        except TimeoutError:
            self.stats.add("search_timeouts")
            return result([], "timeout")
        except Exception as exc:
            self.stats.add("search_errors")
            self._failure_log.warning("memory: search failed: %s", exc)
            return result([], "error")

    def _search_in_thread(
        self,
        backend: MemoryBackend,
        user_id: str,
        query: str,
        top_k: int,
        threshold: float,
        rules: RecallRules | None,
    ) -> asyncio.Future[list[MemoryHit]]:
        if rules is None:
            future = self._searches.submit(backend.search, user_id, query, top_k, threshold)
        else:
            future = self._searches.submit(backend.recall, user_id, query, rules)
        future.add_done_callback(self._search_done)
        return asyncio.wrap_future(future)

    async def _search_embedded(
        self,
        backend: MemoryBackend,
        embed: Callable[[str], Any],
        user_id: str,
        query: str,
        top_k: int,
        threshold: float,
        rules: RecallRules | None,
    ) -> list[MemoryHit]:
        try:
            vector = await embed(query)
        finally:
            self._search_done(None)
        if rules is None:
            hits = backend.search_vector_now(user_id, vector, top_k, threshold)
        else:
            hits = backend.recall_vector_now(user_id, vector, query, rules)
        if hits is not None:
            return hits
        if rules is None:
            future = self._searches.submit(backend.search_vector, user_id, vector, top_k, threshold)
        else:
            future = self._searches.submit(backend.recall_vector, user_id, vector, query, rules)
        return await asyncio.wrap_future(future)

    async def _index_loaded(self, backend: MemoryBackend, user_id: str, budget: float) -> Outcome:
        """Wait up to ``budget`` for this person's index; its load goes on past the budget."""
        with self._index_lock:
            future = self._index_loads.get(user_id)
            if future is None:
                try:
                    future = self._indexer.submit(backend.load_index, user_id)
                except RuntimeError:  # shut down meanwhile
                    return "unavailable"
                self._index_loads[user_id] = future
                future.add_done_callback(lambda _f: self._index_load_done(user_id))
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), budget)
            return "ok"
        except TimeoutError:
            self.stats.add("search_indexing")
            return "indexing"
        except Exception as exc:
            self.stats.add("search_errors")
            self._failure_log.warning("memory: loading a search index failed: %s", exc)
            return "error"

    def _index_load_done(self, user_id: str) -> None:
        with self._index_lock:
            self._index_loads.pop(user_id, None)

    def _search_done(self, _future: Any) -> None:
        with self._pending_lock:
            self._pending -= 1

    @property
    def pending_searches(self) -> int:
        return self._pending

    async def search(
        self, user_id: str, query: str, *, budget_s: float | None = None, top_k: int | None = None
    ) -> list[MemoryHit]:
        return (await self.lookup(user_id, query, budget_s=budget_s, top_k=top_k)).hits

    # -- commands --------------------------------------------------------------------------

    async def _command(self, user_id: str, work: Callable[[MemoryBackend], T]) -> T:
        backend = self._backend
        if backend is None:
            raise BackendUnavailable(self.reason or "still starting", url="memory")

        def locked() -> T:
            with self._writing_for(user_id):
                return work(backend)

        future = self._commands.submit(locked)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), COMMAND_TIMEOUT_S)
        except TimeoutError as exc:
            raise BackendTimeout(
                f"no answer within {COMMAND_TIMEOUT_S:.0f} s", url="memory"
            ) from exc

    async def list(self, user_id: str) -> list[MemoryHit]:
        if not user_id:
            return []
        return await self._command(user_id, lambda backend: backend.list(user_id))

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

        return await self._command(user_id, work)

    async def forget_all(self, user_id: str) -> int:
        """Delete every memory of this person, and the turns of theirs still queued."""
        if not user_id:
            return 0

        def work(backend: MemoryBackend) -> int:
            self._turns.forget(user_id, "")
            return backend.delete_all(user_id)

        return await self._command(user_id, work)
