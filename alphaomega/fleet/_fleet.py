"""The fleet: every backend instance of the process, what each serves, and where a chat goes.

One ``Fleet`` per process (``get_fleet()``, held by the current ``Pack``) is shared by every
plugin, so the load and health it learns from one plugin's traffic inform the others. Its state
lives on the pack's loop (``alphaomega.runtime``): ``chat`` and ``refresh`` run there, and a
background task probes every instance (``/api/tags`` and ``/api/ps``) each ``refresh_s`` seconds.

A request goes to the best instance by ``scheduler.rank``. Before the first token, a connect
error, an HTTP 5xx, a timeout or a dropped connection sends it to the next eligible instance,
within ``deadline_s``; after it, the cut surfaces as ``StreamInterrupted`` (the chat shows a note).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

from .. import runtime
from ..errors import BackendError, BackendUnavailable, ModelNotFound
from ..pack import Pack
from ._attempt import book_failure, chat_attempt
from ._breaker import CircuitBreaker
from ._config import FleetConfig, InstanceConfig, fleet_from_env
from ._models import ChatDelta, ChatRequest
from ._ollama import OllamaClient
from ._openai_compat import OpenAICompatClient
from ._scheduler import Choice, rank
from ._state import InstanceState, LoadModel

log = logging.getLogger(__name__)

CATALOGUE_TTL_S = 10.0
AFFINITY_ENTRIES = 10_000

__all__ = ["Fleet", "InstanceState", "get_fleet", "make_client", "set_fleet"]


def make_client(config: InstanceConfig) -> OllamaClient | OpenAICompatClient:
    if config.kind == "openai":
        return OpenAICompatClient(config.url)
    return OllamaClient(config.url)


class Fleet:
    def __init__(self, config: FleetConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.settings = config.settings
        self.clock = clock
        self.instances = [
            InstanceState(
                c,
                make_client(c),
                breaker=CircuitBreaker(
                    self.settings.breaker_failures, self.settings.breaker_cooldown_s
                ),
            )
            for c in config.instances
        ]
        self.loads = LoadModel()
        self._by_name = {state.name: state for state in self.instances}
        self._affinity: OrderedDict[str, str] = OrderedDict()
        self._context: dict[str, int] = {}  # model -> its own context length (/api/show)
        self._refreshing = False
        self._monitor: concurrent.futures.Future[None] | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    # -- what the fleet has ------------------------------------------------------------------

    async def refresh(self) -> None:
        """Probe every instance at once: its models, its loaded models, up or down. The first
        use of a fleet also starts its background refresh."""
        self.start()
        await self._probe_all()

    async def _probe_all(self) -> None:
        await asyncio.gather(*(self._refresh_one(state) for state in self.instances))

    async def _refresh_one(self, state: InstanceState) -> None:
        try:
            async with asyncio.timeout(self.settings.probe_timeout_s):
                models = await state.client.tags()
                loaded = await state.client.ps()
        except TimeoutError:
            state.apply_probe_failure("no answer to the health probe", self.clock())
        except BackendError as exc:
            state.apply_probe_failure(exc.args[0] if exc.args else str(exc), self.clock())
        else:
            state.apply_probe(models, loaded, self.clock())

    def is_stale(self, max_age_s: float = CATALOGUE_TTL_S) -> bool:
        now = self.clock()
        return any(now - s.checked_at > max_age_s for s in self.instances)

    async def refresh_if_stale(self, max_age_s: float = CATALOGUE_TTL_S) -> None:
        if self.is_stale(max_age_s):
            await self.refresh()

    def refresh_soon(self) -> None:
        """Start a background refresh when the catalogue is stale and none is running (no I/O)."""
        self.start()
        if self._refreshing or not self.is_stale():
            return
        self._refreshing = True

        async def _refresh() -> None:
            try:
                await self._probe_all()
            finally:
                self._refreshing = False

        runtime.spawn(_refresh())

    def start(self) -> None:
        """Start the background health refresh once (from any thread)."""
        with self._start_lock:
            if self._monitor is None and not self._closed:
                self._monitor = asyncio.run_coroutine_threadsafe(self._watch(), runtime.loop())

    async def _watch(self) -> None:
        while not self._closed:
            try:
                await self._probe_all()
            except Exception:  # the monitor must outlive any one bad probe
                log.exception("fleet refresh failed")
            await asyncio.sleep(self.settings.refresh_s)

    def close(self) -> None:
        """Stop the background refresh (a replaced fleet, tests)."""
        self._closed = True
        if self._monitor is not None:
            self._monitor.cancel()

    def known_models(self) -> list[str]:
        """Every model some instance listed at its last probe (no I/O)."""
        names: set[str] = set()
        for state in self.instances:
            names |= state.models | set(state.config.models)
        return sorted(names)

    def is_loaded(self, model: str) -> bool:
        return any(s.resolve(model) in s.loaded for s in self.instances if s.up is not False)

    # -- where a chat goes ---------------------------------------------------------------------

    def plan(
        self, model: str, *, affinity: str | None = None, exclude: set[str] | None = None
    ) -> list[Choice]:
        """The eligible instances for ``model``, best first, with the expected delay of each."""
        now = self.clock()
        holds = [s.hold_s for s in self.instances if s.hold_s is not None]
        default_hold = sum(holds) / len(holds) if holds else self.settings.default_hold_s
        candidates = [
            state.candidate(model, order, now, self.loads, self.settings, default_hold)
            for order, state in enumerate(self.instances)
        ]
        size = max((s.size_of(s.resolve(model)) for s in self.instances), default=0)
        preferred = self._affinity.get(affinity) if affinity else None
        return rank(size, candidates, preferred=preferred, exclude=exclude or set())

    def candidates(self, model: str, *, affinity: str | None = None) -> list[InstanceState]:
        """Instances to try for ``model``, in order."""
        return [self._by_name[c.name] for c in self.plan(model, affinity=affinity)]

    def remember_affinity(self, affinity: str | None, state: InstanceState) -> None:
        if not affinity:
            return
        self._affinity[affinity] = state.name
        self._affinity.move_to_end(affinity)
        while len(self._affinity) > AFFINITY_ENTRIES:
            self._affinity.popitem(last=False)

    async def chat(
        self, request: ChatRequest, *, affinity: str | None = None
    ) -> AsyncIterator[ChatDelta]:
        """Stream a reply from the best instance serving ``request.model``, failing over to the
        next before the first token. ``affinity`` (a chat id) keeps a chat on one instance when
        nothing else tells the instances apart."""
        self.start()
        if all(s.checked_at == 0.0 for s in self.instances):
            await self._probe_all()
        deadline = self.clock() + self.settings.deadline_s
        tried: set[str] = set()
        errors: list[BackendError] = []
        reprobed = False
        while True:
            choices = self.plan(request.model, affinity=affinity, exclude=tried)
            if not choices and not tried and not reprobed:
                reprobed = True  # a model pulled since the last probe, an instance just back
                await self._probe_all()
                continue
            if not choices or self.clock() >= deadline:
                break
            state = self._by_name[choices[0].name]
            tried.add(state.name)
            log.debug(
                "%s -> %s (%s, %.2fs)",
                request.model,
                state.name,
                choices[0].reason,
                choices[0].delay_s,
            )
            outcome = await chat_attempt(self, state, request, deadline, affinity)
            if outcome.error is not None:
                errors.append(outcome.error)
                if outcome.final:
                    raise outcome.error
                continue
            async with contextlib.aclosing(outcome.deltas()) as deltas:
                async for delta in deltas:
                    yield delta
            return
        if errors:
            raise errors[-1]
        raise self._no_instance_error(request.model)

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """Embeddings from the best Ollama instance serving ``model``, counted like a chat (in
        flight, a cold load, the breaker), the next instance tried when one fails."""
        self.start()
        await self.refresh_if_stale()
        errors: list[BackendError] = []
        for choice in self.plan(model):
            state = self._by_name[choice.name]
            if state.config.kind != "ollama":
                continue
            name = state.resolve(model)
            cold = state.begin(name, self.clock())
            try:
                vectors = await state.client.embed(name, texts)
            except BaseException as exc:  # incl. cancelled: a search past its budget
                failover = book_failure(state, name, cold, exc, self.clock())
                if not isinstance(exc, BackendError) or not failover:
                    raise
                errors.append(exc)
                continue
            state.end(name, self.clock())
            state.learn_embedding(name, cold)
            return vectors
        if errors:
            raise errors[-1]
        raise BackendUnavailable(
            f"no Ollama instance of the fleet serves {model} (`alphaomega pull` puts it there)",
            url=", ".join(s.url for s in self.instances),
        )

    async def context_length(self, model: str) -> int | None:
        """The model's own context length, asked once of an Ollama instance serving it (None
        when none can say: an OpenAI-compatible server sets its context itself)."""
        if model in self._context:
            return self._context[model]
        await self.refresh_if_stale()
        for choice in self.plan(model):
            state = self._by_name[choice.name]
            if state.config.kind != "ollama":
                continue
            try:
                length = await state.client.context_length(state.resolve(model))  # type: ignore[union-attr]
            except BackendError as exc:
                log.info("no context length for %s from %s: %s", model, state.name, exc)
                continue
            if length:
                self._context[model] = length
                return length
        return None

    def _no_instance_error(self, model: str) -> BackendError:
        down = [s for s in self.instances if s.up is False or not s.breaker.allows(self.clock())]
        serving = [s for s in self.instances if s.serves(model)]
        if (serving and all(s in down for s in serving)) or len(down) == len(self.instances):
            targets = serving or self.instances
            error = next((s.error for s in targets if s.error), "") or "not reachable"
            return BackendUnavailable(error, url=", ".join(s.url for s in targets))
        return ModelNotFound(
            model, url=", ".join(s.url for s in self.instances), available=self.known_models()
        )


def get_fleet() -> Fleet:
    """The process's fleet (the current Pack's), built from the environment on first use."""
    pack = Pack.current()
    with pack.fleet_lock:
        if pack.fleet is None:
            pack.fleet = Fleet(fleet_from_env())
        return pack.fleet


def set_fleet(fleet: Fleet | None) -> None:
    """Replace the process's fleet (a reloaded configuration)."""
    pack = Pack.current()
    with pack.fleet_lock:
        if pack.fleet is not None and pack.fleet is not fleet:
            pack.fleet.close()
        pack.fleet = fleet


def _close_fleet(pack: Pack) -> None:
    with pack.fleet_lock:
        fleet, pack.fleet = pack.fleet, None
    if fleet is not None:
        fleet.close()


Pack.on_close("fleet", _close_fleet)
