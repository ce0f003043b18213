"""
title: AlphaOmega · Screen
author: AlphaOmega
version: 0.1.0
license: MIT
description: What is on the screen: the agent host's screenshot, described by a vision model.
"""

from alphaomega import host
from alphaomega.agent import ScreenModel, ScreenSettings


class Pipeline:
    class Valves(ScreenSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_screen"
        self.name = "AlphaOmega · "
        self.valves = self.Valves()
        self.core = ScreenModel()
        host.attach(self)

    def pipelines(self):
        return [{"id": "screen", "name": "Screen"}]

    async def on_startup(self):
        await self.core.on_startup()

    def pipe(self, user_message, model_id, messages, body):
        return self.core.respond(body, messages, self.valves)
