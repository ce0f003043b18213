"""The fleet: every backend instance of the process, what each serves, and where a chat goes.

One ``Fleet`` per process (``get_fleet()``) is shared by every plugin, so the load and health it
learns from one plugin's traffic inform the others.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from .. import runtime
from ..errors import BackendError, BackendUnavailable, ModelNotFound
from .config import FleetConfig, InstanceConfig, fleet_from_env
from .models import ChatDelta, ChatRequest
from .ollama import OllamaClient
from .openai_compat import OpenAICompatClient

log = logging.getLogger(__name__)

CATALOGUE_TTL_S = 10.0


@dataclass
class InstanceState:
    """What the fleet knows of one instance; refreshed by probes and by its own traffic."""

    config: InstanceConfig
    client: OllamaClient | OpenAICompatClient
    models: set[str] = field(default_factory=set)
    loaded: set[str] = field(default_factory=set)
    up: bool | None = None
    error: str = ""
    checked_at: float = 0.0
    in_flight: int = 0

    @property
    def url(self) -> str:
        return self.config.url

    def serves(self, model: str) -> bool:
        return model in self.models or model in self.config.models


def make_client(config: InstanceConfig) -> OllamaClient | OpenAICompatClient:
    if config.kind == "openai":
        return OpenAICompatClient(config.url)
    return OllamaClient(config.url)


class Fleet:
    def __init__(self, config: FleetConfig) -> None:
        self.config = config
        self.instances = [InstanceState(c, make_client(c)) for c in config.instances]
        self._refreshing = False

    # -- what the fleet has ------------------------------------------------------------------

    async def refresh(self) -> None:
        """Probe every instance at once: its models, its loaded models, up or down."""
        await asyncio.gather(*(self._refresh_one(state) for state in self.instances))

    async def _refresh_one(self, state: InstanceState) -> None:
        try:
            state.models = {m.name for m in await state.client.tags()}
            state.loaded = {m.name for m in await state.client.ps()}
            state.up, state.error = True, ""
        except BackendError as exc:
            state.up, state.error = False, exc.args[0] if exc.args else str(exc)
        state.checked_at = time.monotonic()

    async def refresh_if_stale(self, max_age_s: float = CATALOGUE_TTL_S) -> None:
        if self.is_stale(max_age_s):
            await self.refresh()

    def is_stale(self, max_age_s: float = CATALOGUE_TTL_S) -> bool:
        now = time.monotonic()
        return any(now - s.checked_at > max_age_s for s in self.instances)

    def refresh_soon(self) -> None:
        """Start a background refresh when the catalogue is stale and none is running (no I/O)."""
        if self._refreshing or not self.is_stale():
            return
        self._refreshing = True

        async def _refresh() -> None:
            try:
                await self.refresh()
            finally:
                self._refreshing = False

        runtime.spawn(_refresh())

    def known_models(self) -> list[str]:
        """Every model some instance listed at its last probe (no I/O)."""
        names: set[str] = set()
        for state in self.instances:
            names |= state.models | set(state.config.models)
        return sorted(names)

    def is_loaded(self, model: str) -> bool:
        return any(model in s.loaded for s in self.instances)

    # -- where a chat goes ---------------------------------------------------------------------

    def candidates(self, model: str) -> list[InstanceState]:
        """Instances to try in order: those known to serve the model first, down ones last."""
        serving = [s for s in self.instances if s.serves(model) and s.up is not False]
        unknown = [s for s in self.instances if s.up is None and s not in serving]
        return serving + unknown

    async def chat(self, request: ChatRequest) -> AsyncIterator[ChatDelta]:
        """Stream a reply from an instance that serves ``request.model``."""
        await self.refresh_if_stale()
        candidates = self.candidates(request.model)
        if not candidates:
            raise self._no_instance_error(request.model)
        state = candidates[0]
        state.in_flight += 1
        try:
            async for delta in state.client.chat(request):
                yield delta
            state.loaded.add(request.model)
        except ModelNotFound as exc:
            exc.url, exc.available = state.url, sorted(state.models)
            raise
        except BackendError:
            state.checked_at = 0.0  # look again before the next chat
            raise
        finally:
            state.in_flight -= 1

    def _no_instance_error(self, model: str) -> BackendError:
        down = [s for s in self.instances if s.up is False]
        if len(down) == len(self.instances):
            urls = ", ".join(s.url for s in down)
            return BackendUnavailable(down[0].error or "not reachable", url=urls)
        return ModelNotFound(model, url=", ".join(s.url for s in self.instances),
                             available=self.known_models())


_fleet: Fleet | None = None
_fleet_lock = threading.Lock()


def get_fleet() -> Fleet:
    """The process's fleet, built from ``ALPHAOMEGA_FLEET`` on first use."""
    global _fleet
    with _fleet_lock:
        if _fleet is None:
            _fleet = Fleet(fleet_from_env())
        return _fleet


def set_fleet(fleet: Fleet | None) -> None:
    """Replace the process's fleet (tests; a reloaded configuration)."""
    global _fleet
    with _fleet_lock:
        _fleet = fleet

