"""``alphaomega pull``: survey the fleet, plan, and pull what is missing through ``/api/pull``.

Instances pull at the same time, each its own models one after another (Ollama downloads one
blob at a time anyway). Before each pull the instance is asked again whether it has the model:
instances that share a models volume (the compose file's) see a model another one just pulled.
A failed pull is a line and the others go on; the outcome says whether everything is in place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import BackendError, PullFailed
from ..fleet import FleetConfig, OllamaClient
from ._inventory import inventory, normalize
from ._plan import Placement, Plan, Target, make_plan
from ._progress import Track

SURVEY_TIMEOUT_S = 10.0


class Reporter(Protocol):
    def begin(self, tracks: list[Track]) -> None: ...
    def started(self, track: Track) -> None: ...
    def changed(self, track: Track) -> None: ...
    def ended(self, track: Track) -> None: ...
    def end(self) -> None: ...


@dataclass
class Outcome:
    placement: Placement
    track: Track

    @property
    def ok(self) -> bool:
        return self.track.state in ("done", "present")


async def _survey_one(name: str, url: str, vram: int, client: OllamaClient) -> Target:
    target = Target(name, url, vram)
    try:
        async with asyncio.timeout(SURVEY_TIMEOUT_S):
            models = await client.tags()
    except (TimeoutError, BackendError):
        target.up = False
        return target
    target.models = {normalize(m.name): m.size for m in models}
    return target


async def survey(config: FleetConfig, clients: dict[str, OllamaClient]) -> list[Target]:
    """Every instance of the fleet with what it has. An OpenAI-compatible one pulls nothing:
    the models pinned to it (``models=``) count as in place there."""
    ollamas = [c for c in config.instances if c.kind == "ollama"]
    targets = list(
        await asyncio.gather(
            *(_survey_one(c.name, c.url, c.vram, clients[c.name]) for c in ollamas)
        )
    )
    for other in config.instances:
        if other.kind != "ollama":
            pinned = {normalize(m): 0 for m in other.models}
            targets.append(Target(other.name, other.url, other.vram, models=pinned, pulls=False))
    return targets


def clients_for(config: FleetConfig) -> dict[str, OllamaClient]:
    return {c.name: OllamaClient(c.url) for c in config.instances if c.kind == "ollama"}


async def plan_for(
    root: Path, pipelines_dir: Path | None, config: FleetConfig, include_unused: bool = False
) -> tuple[Plan, dict[str, OllamaClient]]:
    clients = clients_for(config)
    wanted = inventory(root, pipelines_dir)
    if include_unused:
        for item in wanted:
            item.unused_because = ""
    return make_plan(wanted, await survey(config, clients)), clients


async def _pull_one(placement: Placement, client: OllamaClient, track: Track, report: Reporter):
    try:
        have = {normalize(m.name) for m in await client.tags()}
    except BackendError:
        have = set()
    if placement.model in have:
        track.finish("present")
        report.ended(track)
        return
    track.start()
    report.started(track)
    try:
        async for line in client.pull(placement.model):
            track.update(line)
            report.changed(track)
    except PullFailed as exc:
        track.finish("failed", f"{exc.args[0]} ({client.url})")
    except BackendError as exc:
        track.finish("failed", exc.user_message())
    else:
        track.finish("done")
    report.ended(track)


async def pull(
    plan: Plan,
    clients: dict[str, OllamaClient],
    report: Reporter,
    clock: Callable[[], float] | None = None,
) -> list[Outcome]:
    """Pull every model the plan places and does not find there; one outcome per model."""
    outcomes = []
    for placement in plan.to_pull:
        track = Track(f"{placement.target} {placement.model}")
        if clock is not None:
            track.clock = clock
        outcomes.append(Outcome(placement, track))
    report.begin([o.track for o in outcomes])

    async def run_target(name: str) -> None:
        for outcome in outcomes:
            if outcome.placement.target == name:
                await _pull_one(outcome.placement, clients[name], outcome.track, report)

    await asyncio.gather(*(run_target(name) for name in {o.placement.target for o in outcomes}))
    report.end()
    return outcomes


def all_in_place(plan: Plan, outcomes: list[Outcome]) -> bool:
    return not plan.unplaced and all(o.ok for o in outcomes)
