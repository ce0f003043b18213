"""Where a render goes among the ComfyUI instances (one per GPU).

The instance with the shortest queue wins, a checkpoint switch counting as ``switch_cost``
renders of queue (loading another checkpoint takes seconds); an instance known to lack the
checkpoint comes last. A queue is the longer of what the instance reports (``GET /queue``,
refreshed at most every ``queue_ttl_s``) and the renders this process sent there and has not
seen finish, so a burst of requests spreads at once instead of piling onto one instance
between two refreshes. An instance that does not answer is skipped: a circuit breaker (the
fleet's) keeps it out for a cool-down and lets one probe back in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import AlphaOmegaError, BackendError, ConfigError
from ..fleet import CircuitBreaker
from ._client import ComfyClient, ComfyUnavailable
from ._config import ComfyInstanceConfig


@dataclass
class ComfyInstance:
    config: ComfyInstanceConfig
    client: ComfyClient
    breaker: CircuitBreaker
    outstanding: int = 0  # renders placed here by this process, not finished
    reported_queue: int = 0
    reported_at: float = float("-inf")
    loaded: str | None = None  # the checkpoint of the last render placed here
    node_types: set[str] | None = None  # from /object_info, fetched once
    checkpoints: set[str] | None = None
    refreshing: asyncio.Future[bool] | None = None  # a queue probe under way

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def queue_length(self) -> int:
        return max(self.outstanding, self.reported_queue)


@dataclass
class Placement:
    """The rule, kept apart from I/O so it is tested (and benchmarked) on its own."""

    switch_cost: float = 1.0

    def cost(self, instance: ComfyInstance, checkpoint: str | None) -> float:
        lacks = (
            checkpoint is not None
            and instance.checkpoints is not None
            and checkpoint not in instance.checkpoints
        )
        switch = checkpoint is not None and instance.loaded != checkpoint
        return (1e9 if lacks else 0.0) + instance.queue_length + switch * self.switch_cost

    def rank(self, instances: list[ComfyInstance], checkpoint: str | None) -> list[ComfyInstance]:
        order = {id(inst): i for i, inst in enumerate(instances)}
        return sorted(instances, key=lambda i: (self.cost(i, checkpoint), order[id(i)]))


@dataclass
class ComfyPool:
    configs: list[ComfyInstanceConfig]
    connect_timeout_s: float = 1.5
    switch_cost: float = 1.0
    queue_ttl_s: float = 1.0
    breaker_failures: int = 2
    breaker_cooldown_s: float = 15.0
    clock: Callable[[], float] = time.monotonic
    instances: list[ComfyInstance] = field(init=False)

    def __post_init__(self) -> None:
        self.instances = [
            ComfyInstance(
                config,
                ComfyClient(config.url, connect_timeout_s=self.connect_timeout_s),
                CircuitBreaker(failures=self.breaker_failures, cooldown_s=self.breaker_cooldown_s),
            )
            for config in self.configs
        ]
        self._lock = asyncio.Lock()
        self.rule = Placement(self.switch_cost)

    async def warm(self) -> None:
        """Learn every instance's queue and nodes now (at start-up), not at the first render."""
        await asyncio.gather(*(self._refreshed(i) for i in self.instances))

    async def candidates(self, checkpoint: str | None) -> list[ComfyInstance]:
        """The instances to try, best first; each returned one is reserved (``release`` it).
        Raises ComfyUnavailable (naming the URLs) when none answers."""
        now = self.clock()
        allowed = [i for i in self.instances if i.breaker.allows(now)]
        answered = await asyncio.gather(*(self._refreshed(i) for i in allowed))
        async with self._lock:  # ranking and reserving: one render at a time, no I/O
            alive = [
                i for i, ok in zip(allowed, answered, strict=True) if ok and i.breaker.allows(now)
            ]
            if not alive:
                urls = ", ".join(i.config.url for i in self.instances)
                raise ComfyUnavailable("no instance answers", url=urls)
            ranked = self.rule.rank(alive, checkpoint)
            first = ranked[0]
            first.outstanding += 1
            first.breaker.on_dispatch(self.clock())
            if checkpoint:
                first.loaded = checkpoint
            return ranked

    def move(self, failed: ComfyInstance, to: ComfyInstance, checkpoint: str | None) -> None:
        """The reserved instance did not answer: the render goes to ``to`` instead."""
        self.release(failed, ok=False)
        to.outstanding += 1
        to.breaker.on_dispatch(self.clock())
        if checkpoint:
            to.loaded = checkpoint

    def release(self, instance: ComfyInstance, *, ok: bool | None) -> None:
        """A render placed on ``instance`` ended: ok, failed to reach it, or neither."""
        instance.outstanding = max(0, instance.outstanding - 1)
        if ok is True:
            instance.breaker.on_success()
        elif ok is False:
            instance.breaker.on_failure(self.clock())
            instance.reported_at = float("-inf")
        else:
            instance.breaker.on_abandon()

    async def _refreshed(self, instance: ComfyInstance) -> bool:
        """``_refresh``, shared by the renders that ask at the same time (a burst asks once)."""
        if self.clock() - instance.reported_at < self.queue_ttl_s:
            return True
        if instance.refreshing is None or instance.refreshing.done():
            instance.refreshing = asyncio.ensure_future(self._refresh(instance))
        return await asyncio.shield(instance.refreshing)

    async def _refresh(self, instance: ComfyInstance) -> bool:
        """Learn the instance's queue (at most every ``queue_ttl_s``); False: it did not answer
        now, so it is no candidate for this render (its breaker counts the failure)."""
        if self.clock() - instance.reported_at < self.queue_ttl_s:
            return True
        try:
            queue = await instance.client.queue()
            if instance.node_types is None:
                await self._learn_nodes(instance)
        except ComfyUnavailable:
            instance.breaker.on_failure(self.clock())
            return False
        except BackendError:
            return True  # it answers, oddly: the render will say what is wrong
        instance.reported_queue = queue.length
        instance.reported_at = self.clock()
        return True

    @staticmethod
    async def _learn_nodes(instance: ComfyInstance) -> None:
        info = await instance.client.object_info()
        instance.node_types = set(info)
        loader = (info.get("CheckpointLoaderSimple") or {}).get("input", {}).get("required", {})
        names = (loader.get("ckpt_name") or [None])[0]
        if isinstance(names, list):
            instance.checkpoints = {str(n) for n in names}


def missing_nodes(instance: ComfyInstance, class_types: set[str]) -> AlphaOmegaError | None:
    """A readable error when the workflow needs node types the instance does not have."""
    if instance.node_types is None:
        return None
    missing = sorted(class_types - instance.node_types)
    if not missing:
        return None
    return ConfigError(
        f"The workflow needs node types that ComfyUI at {instance.config.url} does not have: "
        f"{', '.join(missing)} (install the custom nodes, or pick another workflow)."
    )
