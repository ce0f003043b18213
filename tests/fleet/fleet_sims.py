"""Simulated GPUs for the fleet tests: a few ``OllamaSim`` instances and a ``Fleet`` over them."""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import contextmanager

from alphaomega import runtime
from alphaomega.fleet import ChatMessage, ChatRequest, Fleet, OllamaClient, parse_fleet
from alphaomega.testing.ollama_sim import (
    OllamaSim,
    SimModel,
    SimRequest,
    SimStats,
    model_from_spec,
)

TIME_SCALE = 0.01  # a 3 s load takes 30 ms
_WORDS = re.compile(r"(\d+) words")


def words_reply(request: SimRequest) -> str:
    """'... 40 words ...' in the prompt: a reply of that many words; else a short one."""
    match = _WORDS.search(request.prompt)
    count = int(match.group(1)) if match else 3
    return " ".join(f"w{i}" for i in range(count))


def models(*specs: str) -> list[SimModel]:
    return [model_from_spec(spec) for spec in specs]


def start_sims(
    catalogues: list[list[str]],
    *,
    slots: int = 2,
    vram: str = "24GB",
    time_scale: float = TIME_SCALE,
    tokens_per_second: float | None = None,
) -> list[OllamaSim]:
    sims = []
    for specs in catalogues:
        chosen = models(*specs)
        if tokens_per_second:
            chosen = [m.model_copy(update={"tokens_per_second": tokens_per_second}) for m in chosen]
        sims.append(
            OllamaSim(
                models=chosen,
                vram=vram,
                num_parallel=slots,
                time_scale=time_scale,
                reply=words_reply,
            ).start()
        )
    return sims


def fleet_spec(
    sims: list[OllamaSim], *, slots: int = 2, vram: str = "24GB", kinds: list[str] | None = None
) -> str:
    kinds = kinds or ["ollama"] * len(sims)
    return ",".join(
        f"gpu{i}={'openai+' if kind == 'openai' else ''}{sim.url};slots={slots};vram={vram}"
        for i, (sim, kind) in enumerate(zip(sims, kinds, strict=True))
    )


class SteppedClock:
    """The fleet's clock for tests: wall time plus the jumps a test makes, so a breaker's
    cool-down passes when the test says so instead of being slept through."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@contextmanager
def sim_fleet(
    catalogues: list[list[str]],
    *,
    options: str = "",
    slots: int = 2,
    kinds: list[str] | None = None,
    tokens_per_second: float | None = None,
    clock=time.monotonic,
):
    sims = start_sims(catalogues, slots=slots, tokens_per_second=tokens_per_second)
    fleet = Fleet(
        parse_fleet(
            fleet_spec(sims, slots=slots, kinds=kinds), options or "refresh_s=0.2;probe_timeout_s=1"
        ),
        clock=clock,
    )
    try:
        runtime.call(fleet.refresh())
        yield fleet, sims
    finally:
        fleet.close()
        for sim in sims:
            sim.stop()


def request(model: str, prompt: str = "hello") -> ChatRequest:
    return ChatRequest(model=model, messages=[ChatMessage(role="user", content=prompt)])


async def _collect(fleet: Fleet, model: str, prompt: str, affinity: str | None) -> str:
    return "".join([d.content async for d in fleet.chat(request(model, prompt), affinity=affinity)])


def chat(fleet: Fleet, model: str, prompt: str = "hello", affinity: str | None = None) -> str:
    """One whole reply through the fleet, on the pack's loop, as a plugin would get it."""
    return runtime.call(_collect(fleet, model, prompt, affinity), timeout=30)


def chat_all(fleet: Fleet, jobs: list[tuple[str, str]]) -> list[str | BaseException]:
    """Several replies at once; each result is the text or the exception it ended with."""

    async def run() -> list[str | BaseException]:
        return await asyncio.gather(
            *(_collect(fleet, m, p, None) for m, p in jobs), return_exceptions=True
        )

    return runtime.call(run(), timeout=60)


def warm(sim: OllamaSim, model: str) -> None:
    """Load ``model`` on one instance directly, as another client of it would."""

    async def run() -> None:
        async for _ in OllamaClient(sim.url).chat(request(model)):
            pass

    runtime.call(run(), timeout=30)


def settled(sim: OllamaSim, timeout_s: float = 5.0) -> SimStats:
    """The simulator's counters once it has booked every request it received: it frees the
    slot, then writes the last bytes, then books the request, so a fast client can be done
    reading before either."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stats = sim.stats()
        if not stats.in_flight and stats.requests == stats.served + stats.failed:
            break
        time.sleep(0.005)
    return stats


def served(sims: list[OllamaSim]) -> list[int]:
    return [settled(sim).served for sim in sims]
