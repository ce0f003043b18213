"""
title: AlphaOmega · Vision
author: AlphaOmega
version: 0.1.0
license: MIT
description: Vision models on the AlphaOmega fleet; images made upright, flattened, shrunk.
"""

from alphaomega import host
from alphaomega.vision import VisionModel, VisionSettings


class Pipeline:
    class Valves(VisionSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_vision"
        self.name = "AlphaOmega · Vision · "
        self.valves = self.Valves()
        self.core = VisionModel()
        host.attach(self)

    def pipelines(self):
        return self.core.entries(self.valves.models, self.valves.model_pattern)

    async def on_startup(self):
        await self.core.on_startup()

    async def on_valves_updated(self):
        await self.core.on_startup()

    def pipe(self, user_message, model_id, messages, body):
        return self.core.pipe(body, model_id, messages, **self.valves.reply_options())
