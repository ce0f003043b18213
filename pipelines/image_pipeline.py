"""
title: AlphaOmega · Image
author: AlphaOmega
version: 0.1.0
license: MIT
description: Pictures from ComfyUI workflows across one ComfyUI per GPU, with live progress.
"""

from alphaomega import host
from alphaomega.comfyui import ImageModel, ImageSettings


class Pipeline:
    class Valves(ImageSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_image"
        self.name = "AlphaOmega · Image · "
        self.valves = self.Valves()
        self.core = ImageModel()
        host.attach(self)

    async def on_startup(self):
        await self.core.on_startup(self.valves)

    async def on_valves_updated(self):
        await self.core.on_startup(self.valves)

    def pipelines(self):
        return self.core.entries(self.valves)

    def pipe(self, user_message, model_id, messages, body):
        return self.core.pipe(body, model_id, messages, self.valves)
