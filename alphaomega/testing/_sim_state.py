"""The state machine of one simulated Ollama instance: slots, queue, VRAM, faults, counters.

It runs on the simulator's own event loop. Test threads only read snapshots and set faults,
both under ``_mu``, a plain lock held for a few statements and never across an ``await``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from alphaomega.testing._sim_models import Fault, SimModel, SimStats


class QueueFull(Exception):
    """More requests wait than the instance accepts (Ollama's OLLAMA_MAX_QUEUE)."""


@dataclass
class Resident:
    """A model in VRAM (or being loaded into it)."""

    model: SimModel
    size_vram: int
    ready: asyncio.Event
    refs: int = 0
    last_used: float = field(default_factory=time.monotonic)
    expires: float | None = None  # monotonic deadline once idle; None: never


class SimEngine:
    def __init__(
        self,
        models: list[SimModel],
        vram: int,
        num_parallel: int,
        max_queue: int,
        time_scale: float,
        keep_alive: float | None,
    ) -> None:
        if num_parallel < 1 or time_scale <= 0 or vram <= 0:
            raise ValueError("num_parallel >= 1, time_scale > 0 and vram > 0 are required")
        self.models = {model.name: model for model in models}
        self.vram = vram
        self.num_parallel = num_parallel
        self.max_queue = max_queue
        self.time_scale = time_scale
        self.keep_alive = keep_alive
        self._mu = threading.Lock()
        self._faults: list[Fault] = []
        self._counts: Counter[str] = Counter()
        self._cold: Counter[str] = Counter()
        self._evicted: Counter[str] = Counter()
        self._served_by_model: Counter[str] = Counter()
        self._by_path: Counter[str] = Counter()
        self._fired: Counter[str] = Counter()
        self._admitted: deque[str] = deque(maxlen=1000)
        self._max_in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Forget what lives in VRAM and in the queue, as a restarted Ollama does."""
        with self._mu:
            self._resident: dict[str, Resident] = {}
            self._in_flight = 0
            self._waiters: deque[asyncio.Future[None]] = deque()
        self._load_lock: asyncio.Lock | None = None
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    # ---- time -------------------------------------------------------------------------------

    def real(self, sim_seconds: float) -> float:
        return max(sim_seconds, 0.0) * self.time_scale

    async def sleep(self, sim_seconds: float) -> None:
        if sim_seconds > 0:
            await asyncio.sleep(sim_seconds * self.time_scale)

    # ---- faults and counters ----------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        with self._mu:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._mu:
            self._faults.clear()

    def take_fault(self, path: str, model: str | None) -> Fault | None:
        with self._mu:
            for index, fault in enumerate(self._faults):
                if not fault.matches(path, model):
                    continue
                if fault.count is not None:
                    if fault.count <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = fault.model_copy(update={"count": fault.count - 1})
                self._fired[fault.kind] += 1
                return fault
        return None

    def count(self, what: str, model: str | None = None, path: str | None = None) -> None:
        """Bump 'requests' (per endpoint too, given ``path``), 'served', 'failed' or 'rejected'."""
        with self._mu:
            self._counts[what] += 1
            if what == "served" and model:
                self._served_by_model[model] += 1
            if what == "requests" and path:
                self._by_path[path] += 1

    def stats(self) -> SimStats:
        with self._mu:
            residents = sorted(self._resident.values(), key=lambda r: r.last_used)
            return SimStats(
                requests=self._counts["requests"],
                requests_by_path=dict(self._by_path),
                served=self._counts["served"],
                failed=self._counts["failed"],
                rejected=self._counts["rejected"],
                cold_loads=dict(self._cold),
                evictions=dict(self._evicted),
                served_by_model=dict(self._served_by_model),
                faults_fired=dict(self._fired),
                loaded=[r.model.name for r in residents],
                vram_used=sum(r.size_vram for r in residents),
                in_flight=self._in_flight,
                queued=sum(1 for w in self._waiters if not w.done()),
                max_in_flight=self._max_in_flight,
                admitted=list(self._admitted),
            )

    def residents(self) -> list[Resident]:
        """Models in VRAM, after dropping those whose keep-alive ran out."""
        self._expire_idle()
        with self._mu:
            return list(self._resident.values())

    # ---- admission: a slot, then the model in VRAM ------------------------------------------

    @asynccontextmanager
    async def admit(
        self, model: SimModel, keep_alive: float | None, label: str
    ) -> AsyncIterator[float]:
        """Hold a slot and the model for one request; yields the real seconds spent loading."""
        await self._acquire_slot(label)
        try:
            started = time.monotonic()
            resident = await self._ensure_loaded(model)
            try:
                yield time.monotonic() - started
            finally:
                self._release_model(resident, keep_alive)
        finally:
            self._release_slot()

    async def _acquire_slot(self, label: str) -> None:
        with self._mu:
            if self._in_flight < self.num_parallel and not self._waiters:
                self._take_slot(label)
                return
            if len(self._waiters) >= self.max_queue:
                raise QueueFull
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            with self._mu:
                handed_over = waiter.done() and not waiter.cancelled()
                if not handed_over and waiter in self._waiters:
                    self._waiters.remove(waiter)
            if handed_over:
                self._release_slot()
            raise
        with self._mu:
            self._admitted.append(label)

    def _take_slot(self, label: str) -> None:
        self._in_flight += 1
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        self._admitted.append(label)

    def _release_slot(self) -> None:
        with self._mu:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot passes straight to the next in line
                    return
            self._in_flight -= 1

    async def _ensure_loaded(self, model: SimModel) -> Resident:
        self._expire_idle()
        with self._mu:
            resident = self._resident.get(model.name)
            if resident is not None:
                resident.refs += 1
        if resident is None:
            resident = await self._load(model)
        try:
            await resident.ready.wait()
        except BaseException:
            self._release_model(resident, None)
            raise
        return resident

    async def _load(self, model: SimModel) -> Resident:
        if self._load_lock is None:
            self._load_lock = asyncio.Lock()
        async with self._load_lock:  # Ollama loads one model at a time
            with self._mu:
                resident = self._resident.get(model.name)
                if resident is not None:
                    resident.refs += 1
                    return resident
            await self._make_room(model.size)
            with self._mu:
                resident = Resident(model, min(model.size, self.vram), asyncio.Event(), refs=1)
                self._resident[model.name] = resident
                self._cold[model.name] += 1
            # The load goes on even if this requester leaves, as a real runner's does.
            task = asyncio.ensure_future(self._finish_load(resident))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            try:
                await asyncio.shield(task)
            except BaseException:
                self._release_model(resident, None)
                raise
            return resident

    async def _finish_load(self, resident: Resident) -> None:
        await self.sleep(resident.model.load_seconds)
        resident.ready.set()

    async def _make_room(self, size: int) -> None:
        while True:
            with self._mu:
                used = sum(r.size_vram for r in self._resident.values())
                if used + size <= self.vram or not self._resident:
                    return  # a model larger than the GPU loads alone, partly offloaded
                idle = [r for r in self._resident.values() if r.refs == 0]
                if idle:
                    victim = min(idle, key=lambda r: r.last_used)
                    del self._resident[victim.model.name]
                    self._evicted[victim.model.name] += 1
                    continue
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._idle_waiters.append(waiter)
            await waiter  # every resident model is busy: wait until one goes idle

    def _release_model(self, resident: Resident, keep_alive: float | None) -> None:
        with self._mu:
            resident.refs -= 1
            resident.last_used = time.monotonic()
            if resident.refs > 0:
                return
            seconds = self.keep_alive if keep_alive is None else keep_alive
            if seconds == 0:
                if self._resident.get(resident.model.name) is resident:
                    del self._resident[resident.model.name]
            else:
                forever = seconds is None or seconds < 0
                resident.expires = None if forever else time.monotonic() + self.real(seconds)
            waiters, self._idle_waiters = self._idle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def unload(self, name: str) -> None:
        """Drop an idle model from VRAM (a request with keep_alive 0 and nothing to say)."""
        with self._mu:
            resident = self._resident.get(name)
            if resident is not None and resident.refs == 0:
                del self._resident[name]

    def _expire_idle(self) -> None:
        now = time.monotonic()
        with self._mu:
            for name, resident in list(self._resident.items()):
                if resident.refs == 0 and resident.expires is not None and resident.expires <= now:
                    del self._resident[name]
