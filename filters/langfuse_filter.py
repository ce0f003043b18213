"""
title: AlphaOmega · Langfuse tracing
author: AlphaOmega
version: 0.1.0
license: MIT
description: One Langfuse trace per chat turn (usage, latency, verdicts), exported in background.
"""

from alphaomega import host
from alphaomega.tracing import LangfuseSettings, SecretStore, TracingHooks

# The secret key lives in its own 0600 file next to this plugin's valves.json, never in a valve.
SECRET_KEY_STORE = SecretStore.beside(__file__, "langfuse_secret_key")


class Pipeline:
    class Valves(LangfuseSettings):  # the core's settings are the valves, declared there
        secret_store = SECRET_KEY_STORE

    def __init__(self):
        self.type = "filter"
        self.id = "alphaomega_langfuse"
        self.name = "AlphaOmega · Langfuse tracing"
        self.valves = self.Valves()
        self.tracing = TracingHooks()
        host.attach(self)

    async def on_startup(self):
        self._configure()

    async def on_valves_updated(self):
        self._configure()

    async def on_shutdown(self):
        await self.tracing.aclose()

    async def inlet(self, body: dict, user: dict | None = None) -> dict:
        if not self.tracing.configured:
            self._configure()
        return self.tracing.inlet(body, user)

    async def outlet(self, body: dict, user: dict | None = None) -> dict:
        if not self.tracing.configured:
            self._configure()
        return self.tracing.outlet(body, user)

    def _configure(self) -> None:
        self.tracing.configure(**self.valves.tracing_options())
