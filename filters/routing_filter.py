"""
title: AlphaOmega · Routing
author: AlphaOmega
version: 0.1.0
license: MIT
description: Slash commands pick a model; images go to a vision model; decisions are traced.
"""

import asyncio
import logging

from alphaomega import host, routing

log = logging.getLogger(__name__)


class Pipeline:
    class Valves(routing.RoutingSettings):  # the core's settings are the valves, declared there
        pass

    def __init__(self):
        self.type = "filter"
        self.id = "alphaomega_routing"
        self.name = "AlphaOmega · Routing"
        self.valves = self.Valves()
        host.attach(self)

    async def on_startup(self):
        await asyncio.to_thread(routing.warm_up)

    async def inlet(self, body, user=None):
        if (body.get("metadata") or {}).get("task"):
            return body
        v = self.valves
        routed, decision, target = routing.route_body(
            body, v.targets(), vision_pattern=v.vision_name_pattern
        )
        if target != body.get("model"):
            log.info("routing: %s -> %s (%s)", body.get("model"), target, decision.intent)
        return routed
