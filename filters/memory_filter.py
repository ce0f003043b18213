"""
title: AlphaOmega · Memory
author: AlphaOmega
version: 0.1.0
license: MIT
description: Long-term memory per person (mem0 + Qdrant); /memories, /forget <text>, /forget all.
"""

import os

from pydantic import Field

from alphaomega import host
from alphaomega.memory import ENV_QDRANT_URL, MemoryHooks, MemorySettings


class Pipeline:
    class Valves(MemorySettings):
        pipelines: list[str] = Field(
            default=["*"],
            description="Models this filter applies to (model ids, or '*' for every model).",
        )
        priority: int = Field(
            default=20,
            description="Order among filters, lowest first: after safety, before tracing, so "
            "the trace records what the memory search did.",
        )
        # Unset text valves are None: Open WebUI's admin form cannot save an empty text field.
        data_dir: str | None = Field(
            default=None, description=MemorySettings.model_fields["data_dir"].description
        )
        qdrant_url: str | None = Field(
            default_factory=lambda: os.environ.get(ENV_QDRANT_URL) or None,
            description=MemorySettings.model_fields["qdrant_url"].description,
        )
        ollama_url: str | None = Field(
            default=None, description=MemorySettings.model_fields["ollama_url"].description
        )

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
