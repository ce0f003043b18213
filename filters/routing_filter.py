"""
title: AlphaOmega · Routing
author: AlphaOmega
version: 0.1.0
license: MIT
description: Slash commands pick a model; images go to a vision model; decisions are traced.
"""

import asyncio
import logging

from pydantic import BaseModel, Field

from alphaomega import host, routing
from alphaomega.routing.rewrite import DEFAULT_VISION_PATTERN, RouteTargets, route_body

log = logging.getLogger(__name__)


class Pipeline:
    class Valves(BaseModel):
        pipelines: list[str] = Field(
            default=["*"], description="Models this filter applies to ('*': all)."
        )
        priority: int = Field(
            default=5, description="Runs after safety (0), before memory and tracing."
        )
        code_model_id: str = Field(
            default="alphaomega_code.qwen2.5-coder:7b",
            description="Where /code goes (an Open WebUI model id).",
        )
        vision_model_id: str = Field(
            default="alphaomega_vision.llava:34b",
            description="Where /vision goes, and images when the chosen model cannot see.",
        )
        fallback_model_id: str = Field(
            default="alphaomega_auto.auto",
            description="Answers /image, /screen, /factory while their backends are missing.",
        )
        vision_name_pattern: str = Field(
            default=DEFAULT_VISION_PATTERN,
            description="Regex for model names that take images, when Open WebUI does not say.",
        )

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
        targets = RouteTargets(
            code=v.code_model_id, vision=v.vision_model_id, fallback=v.fallback_model_id
        )
        routed, decision, target = route_body(body, targets, vision_pattern=v.vision_name_pattern)
        if target != body.get("model"):
            log.info("routing: %s -> %s (%s)", body.get("model"), target, decision.intent)
        return routed
