"""What the fleet knows of one instance, and how its probes and its traffic teach it (no I/O).

Every method takes the time as an argument and runs on the pack's loop only, so no lock is needed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._breaker import CircuitBreaker
from ._config import FleetSettings, InstanceConfig
from ._models import LoadedModel, ModelInfo
from ._scheduler import Candidate, Resident, eviction, ewma

if TYPE_CHECKING:
    from ._ollama import OllamaClient
    from ._openai_compat import OpenAICompatClient

LOAD_BYTES_PER_S = 2e9  # until a load is measured: about what NVMe to VRAM gives
DEFAULT_LOAD_S = 5.0  # a load whose size is unknown, until one is measured


@dataclass
class LoadModel:
    """Fleet-wide knowledge of load times, shared by every instance's estimates."""

    seconds_per_byte: float | None = None

    def estimate(self, size: int) -> float:
        if size <= 0:
            return DEFAULT_LOAD_S
        if self.seconds_per_byte is None:
            return 0.5 + size / LOAD_BYTES_PER_S
        return size * self.seconds_per_byte

    def learn(self, size: int, seconds: float) -> None:
        if size > 0 and seconds > 0:
            self.seconds_per_byte = ewma(self.seconds_per_byte, seconds / size)


@dataclass
class InstanceState:
    """One instance: its catalogue and VRAM (probed), its load and speed (learned).

    ``loaded`` is what the fleet believes is in VRAM: the last ``/api/ps``, plus the models our
    requests are loading or using there, minus those a load of ours is about to evict
    (``leaving``): requests for a leaving model go elsewhere, so the load is not starved.
    """

    config: InstanceConfig
    client: OllamaClient | OpenAICompatClient
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    models: set[str] = field(default_factory=set)
    sizes: dict[str, int] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)
    vram_used_by: dict[str, int] = field(default_factory=dict)
    last_used: dict[str, float] = field(default_factory=dict)
    pending: dict[str, float] = field(default_factory=dict)  # model -> when its load began
    leaving: set[str] = field(default_factory=set)
    in_flight: int = 0
    in_flight_by_model: Counter[str] = field(default_factory=Counter)
    up: bool | None = None
    error: str = ""
    checked_at: float = 0.0
    ttft_s: float | None = None
    hold_s: float | None = None
    load_s: dict[str, float] = field(default_factory=dict)
    served: int = 0
    failed: int = 0
    cold_loads: int = 0

    @property
    def url(self) -> str:
        return self.config.url

    @property
    def name(self) -> str:
        return self.config.name

    def serves(self, model: str) -> bool:
        name = self.resolve(model)
        return name in self.models or name in self.config.models

    def resolve(self, model: str) -> str:
        """The name this instance knows ``model`` by: Ollama lists ``llava`` as ``llava:latest``."""
        if model in self.models or model in self.config.models:
            return model
        tail = model.rsplit("/", 1)[-1]
        return model if ":" in tail else f"{model}:latest"

    def size_of(self, model: str) -> int:
        return self.vram_used_by.get(model) or self.sizes.get(model, 0)

    # -- what the probes say ---------------------------------------------------------------

    def apply_probe(self, models: list[ModelInfo], loaded: list[LoadedModel], now: float) -> None:
        """A successful probe; models our requests are loading or using stay loaded."""
        self.models = {m.name for m in models}
        self.sizes = {m.name: m.size for m in models if m.size}
        self.vram_used_by = {m.name: m.size_vram or m.size for m in loaded}
        ours = {m for m, n in self.in_flight_by_model.items() if n > 0} | set(self.pending)
        self.loaded = ({m.name for m in loaded} | ours) - self.leaving
        self.up, self.error, self.checked_at = True, "", now

    def apply_probe_failure(self, error: str, now: float) -> None:
        self.up, self.error, self.checked_at = False, error, now
        self.loaded.clear()

    # -- what its own traffic says -----------------------------------------------------------

    def begin(self, model: str, now: float) -> bool:
        """A request is dispatched; returns whether it found the model cold (it loads it)."""
        cold = model not in self.loaded
        if cold:
            victims = self.predicted_victims(model, now)
            self.leaving |= set(victims)
            self.loaded -= set(victims)
            self.loaded.add(model)
            self.pending[model] = now
            self.cold_loads += 1
        self.in_flight += 1
        self.in_flight_by_model[model] += 1
        self.last_used[model] = now
        self.breaker.on_dispatch(now)
        return cold

    def end(self, model: str, now: float) -> None:
        self.in_flight -= 1
        self.in_flight_by_model[model] -= 1
        if self.in_flight_by_model[model] <= 0:
            del self.in_flight_by_model[model]
        self.last_used[model] = now

    def _load_over(self, model: str) -> None:
        self.pending.pop(model, None)
        if not self.pending:
            self.leaving.clear()  # evicted by now, or the load failed: the next probe tells

    def learn_first_token(self, model: str, ttft_s: float, cold: bool) -> float | None:
        """Learn from a first token; returns the load time it measured when it found the
        model cold (its wait beyond a warm first token)."""
        if not cold:
            self.ttft_s = ewma(self.ttft_s, ttft_s)
            return None
        self._load_over(model)
        sample = max(ttft_s - (self.ttft_s or 0.0), 0.0)
        self.load_s[model] = ewma(self.load_s.get(model), sample)
        return sample

    def learn_done(self, generation_s: float) -> None:
        # First token to last: what a reply holds a slot for. Its TTFT is left out on purpose:
        # under load that is mostly the queue, and counting it would inflate the next estimate.
        self.hold_s = ewma(self.hold_s, max(generation_s, 0.0))
        self.served += 1
        self.breaker.on_success()

    def learn_embedding(self, model: str, cold: bool) -> None:
        """An embedding answered: the instance is healthy and the model loaded. Its time is
        not a chat's first token, so the chat estimates are left alone."""
        if cold:
            self._load_over(model)
        self.served += 1
        self.breaker.on_success()

    def learn_failure(self, model: str, now: float, cold: bool) -> None:
        self.failed += 1
        self.breaker.on_failure(now)
        self.forget_load(model, cold)

    def forget_load(self, model: str, cold: bool) -> None:
        """A request that would have loaded the model ended first: assume it is not loaded."""
        if cold and model in self.pending:
            self._load_over(model)
            if not self.in_flight_by_model.get(model):
                self.loaded.discard(model)

    # -- the scheduler's view ----------------------------------------------------------------

    def load_estimate(self, model: str, loads: LoadModel) -> float:
        learned = self.load_s.get(model)
        return learned if learned is not None else loads.estimate(self.size_of(model))

    def loading_left(self, model: str, now: float, loads: LoadModel) -> float:
        began = self.pending.get(model)
        if began is None:
            return 0.0
        return max(began + self.load_estimate(model, loads) - now, 0.0)

    def predicted_victims(self, model: str, now: float) -> list[str]:
        """What loading ``model`` here will evict (the instance's LRU rule, as we see it)."""
        view = Candidate(
            name=self.name,
            vram=self.config.vram,
            residents=self._residents(model, now, None, FleetSettings()),
        )
        victims, _ = eviction(self.size_of(model), view)
        return [v.name for v in victims]

    def _residents(
        self, model: str, now: float, loads: LoadModel | None, settings: FleetSettings
    ) -> tuple[Resident, ...]:
        others = sorted(
            (m for m in self.loaded | self.leaving if m != model),
            key=lambda m: (m not in self.leaving, self.last_used.get(m, 0.0), m),
        )
        return tuple(
            Resident(
                name=m,
                size=self.size_of(m),
                busy=self.in_flight_by_model.get(m, 0) > 0 and m not in self.leaving,
                hot=m not in self.leaving and now - self.last_used.get(m, -1e18) < settings.hot_s,
                reload_s=self.load_estimate(m, loads) if loads else 0.0,
            )
            for m in others
        )

    def candidate(
        self,
        model: str,
        order: int,
        now: float,
        loads: LoadModel,
        settings: FleetSettings,
        default_hold_s: float,
    ) -> Candidate:
        model = self.resolve(model)
        loaded = model in self.loaded
        return Candidate(
            name=self.name,
            order=order,
            serves=self.serves(model),
            available=self.up is not False and self.breaker.allows(now),
            loaded=loaded,
            loading_left_s=self.loading_left(model, now, loads) if loaded else 0.0,
            loader_busy_s=max(
                (self.loading_left(m, now, loads) for m in self.pending if m != model), default=0.0
            ),
            in_flight=self.in_flight,
            slots=self.config.slots,
            ttft_s=self.ttft_s,
            hold_s=self.hold_s if self.hold_s is not None else default_hold_s,
            load_s=self.load_estimate(model, loads),
            vram=self.config.vram,
            # What a load would evict: nothing to load when the model is already here.
            residents=() if loaded else self._residents(model, now, loads, settings),
        )
