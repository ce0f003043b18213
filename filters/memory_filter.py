"""
title: AlphaOmega · Memory
author: AlphaOmega
version: 0.1.0
license: MIT
description: Long-term memory per person (mem0 + Qdrant); /memories, /forget <text>, /forget all.
"""

from alphaomega import host
from alphaomega.memory import MemoryHooks, MemorySettings, MemoryValves


class Pipeline:
    class Valves(MemoryValves):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "filter"
        self.id = "alphaomega_memory"
        self.name = "AlphaOmega · Memory"
        self.valves = self.Valves()
        self.hooks = MemoryHooks()
        host.attach(self)

    def _settings(self) -> MemorySettings:
        return MemorySettings.from_valves(self.valves)

    async def on_startup(self):
        await self.hooks.start(self._settings())

    async def on_shutdown(self):
        await self.hooks.stop()

    async def on_valves_updated(self):
        await self.hooks.start(self._settings())

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        return await self.hooks.inlet(body, user, self._settings())

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        return await self.hooks.outlet(body, user, self._settings())
