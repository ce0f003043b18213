"""Where a request goes: the ranking of instances for one model (pure logic, no I/O, no clock).

The fleet hands in a snapshot of every instance as ``Candidate`` values and gets back the
eligible ones, best first. The order, as the design asks:

1. An instance that can start the reply *now* (the model is in VRAM and a slot is free) beats
   any that would make it wait; among those: fewest requests in flight per slot, then the lowest
   recent time to first token, then the chat's own instance (its KV cache is warm), then the
   configured order.
2. Otherwise, the smallest expected delay: the wait for a slot, plus the model's load when it is
   cold (or what is left of a load under way), plus, when loading it would evict a model that is
   still hot, that model's own reload (so a cold model goes where it fits beside the others when
   such an instance exists). Ties go through the same chain as above.
3. Last, an instance where a second copy of the model would evict a hot one: while the model is
   warm somewhere, its queue there is the better wait. Copies go into free room only, so one
   busy model cannot push the others off the GPUs they serve from.

Never random: the same snapshot always gives the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resident:
    """Another model in the instance's VRAM, least recently used first in ``Candidate``."""

    name: str
    size: int
    busy: bool = False  # a request of ours is using it: it cannot be evicted now
    hot: bool = False  # used recently: evicting it means loading it again soon
    reload_s: float = 0.0


@dataclass(frozen=True)
class Candidate:
    """One instance as the scheduler sees it for one model."""

    name: str
    order: int = 0
    serves: bool = True
    available: bool = True  # up and its circuit breaker lets a request through
    loaded: bool = False  # the model is in VRAM or being loaded
    loading_left_s: float = 0.0
    loader_busy_s: float = 0.0  # another model's load under way here (Ollama loads one at a time)
    in_flight: int = 0
    slots: int = 1
    ttft_s: float | None = None  # recent time to first token, loads left out
    hold_s: float = 10.0  # how long a reply holds a slot here, recently
    load_s: float = 5.0  # what loading this model here is expected to take
    vram: int = 0  # GPU memory; 0 when unknown (then nothing is assumed about room)
    residents: tuple[Resident, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Choice:
    name: str
    delay_s: float  # expected wait before the reply can start, eviction cost included
    reason: str  # "warm", "queue", "loading", "cold", "cold+evicts:<models>"


def ewma(previous: float | None, sample: float, alpha: float = 0.3) -> float:
    """An exponentially weighted moving average; the first sample is taken as it is."""
    return sample if previous is None else previous + alpha * (sample - previous)


def queue_wait_s(candidate: Candidate) -> float:
    """Expected wait for a slot: each request ahead of ours frees one slot's share of a hold."""
    ahead = candidate.in_flight + 1 - candidate.slots
    return max(ahead, 0) * candidate.hold_s / candidate.slots


def eviction(model_size: int, candidate: Candidate) -> tuple[list[Resident], float]:
    """The residents a load of ``model_size`` would push out (least recently used idle ones
    first, as Ollama does) and what that costs: the reload of each hot victim, plus, when only
    busy models are left to evict, a slot hold while one finishes."""
    if candidate.vram <= 0 or model_size <= 0:
        return [], 0.0
    used = sum(r.size for r in candidate.residents)
    victims: list[Resident] = []
    cost = 0.0
    for resident in sorted(candidate.residents, key=lambda r: r.busy):  # stable: LRU kept
        if used + model_size <= candidate.vram:
            break
        victims.append(resident)
        used -= resident.size
        cost += resident.reload_s if resident.hot or resident.busy else 0.0
        cost += candidate.hold_s if resident.busy else 0.0
    return victims, cost


def assess(model_size: int, candidate: Candidate) -> Choice:
    """The expected delay of placing the request on ``candidate`` and why."""
    wait = queue_wait_s(candidate)
    if candidate.loaded:
        delay = wait + candidate.loading_left_s
        if candidate.loading_left_s > 0:
            return Choice(candidate.name, delay, "loading")
        return Choice(candidate.name, delay, "warm" if wait == 0 else "queue")
    victims, cost = eviction(model_size, candidate)
    hot = [v.name for v in victims if v.hot or v.busy]
    reason = "cold+evicts:" + ",".join(hot) if hot else "cold"
    delay = wait + candidate.loader_busy_s + candidate.load_s + cost
    return Choice(candidate.name, delay, reason)


TTFT_FLOOR_S = 0.1  # below this, a difference in time to first token is nobody's concern


def _ttft_band(ttft_s: float) -> int:
    """TTFTs within a factor of about 1.4 count as equal, so affinity can still decide."""
    return math.floor(math.log(max(ttft_s, TTFT_FLOOR_S), math.sqrt(2)))


def rank(
    model_size: int,
    candidates: list[Candidate],
    *,
    preferred: str | None = None,
    exclude: frozenset[str] | set[str] = frozenset(),
) -> list[Choice]:
    """Eligible instances for one request, best first (see the module docstring)."""
    eligible = [c for c in candidates if c.serves and c.available and c.name not in exclude]
    warm_somewhere = any(c.loaded for c in eligible)
    measured = [c.ttft_s for c in eligible if c.ttft_s is not None]
    unmeasured_ttft = min(measured, default=TTFT_FLOOR_S)  # as good as the best: no penalty
    scored = []
    for candidate in eligible:
        choice = assess(model_size, candidate)
        if choice.delay_s == 0:
            tier = 0
        elif warm_somewhere and choice.reason.startswith("cold+evicts"):
            tier = 2
        else:
            tier = 1
        key = (
            tier,
            choice.delay_s,
            candidate.in_flight / candidate.slots,
            _ttft_band(unmeasured_ttft if candidate.ttft_s is None else candidate.ttft_s),
            0 if candidate.name == preferred else 1,
            candidate.order,
        )
        scored.append((key, choice))
    scored.sort(key=lambda item: item[0])
    return [choice for _, choice in scored]
