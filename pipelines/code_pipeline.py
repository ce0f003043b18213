"""
title: AlphaOmega · Code
author: AlphaOmega
version: 0.1.0
license: MIT
description: Code models served by the AlphaOmega fleet (one Ollama per GPU), streamed.
"""

from alphaomega import CodeSettings, FleetChatModel, host


class Pipeline:
    class Valves(CodeSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "manifold"
        self.id = "alphaomega_code"
        self.name = "AlphaOmega · Code · "
        self.valves = self.Valves()
        self.core = FleetChatModel("code")
        host.attach(self)

    def pipelines(self):
        return self.core.entries(self.valves.models, self.valves.model_pattern)

    async def on_startup(self):
        await self.core.on_startup()

    async def on_valves_updated(self):
        await self.core.on_startup()

    def pipe(self, user_message, model_id, messages, body):
        return self.core.pipe(body, model_id, messages, **self.valves.reply_options())
