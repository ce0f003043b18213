"""
title: AlphaOmega · Auto
author: AlphaOmega
version: 0.1.0
license: MIT
description: Reads each message and hands it to the backend it needs: code, vision or chat.
"""

import asyncio

from alphaomega import AutoRouter, AutoSettings, host, routing


class Pipeline:
    class Valves(AutoSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_auto"
        self.name = "AlphaOmega · "
        self.valves = self.Valves()
        self.core = AutoRouter()
        host.attach(self)

    def pipelines(self):
        return [{"id": "auto", "name": "Auto"}]

    async def on_startup(self):
        await asyncio.to_thread(routing.warm_up)
        await self.core.code.on_startup()

    def pipe(self, user_message, model_id, messages, body):
        return self.core.pipe(body, messages, self.valves)
