"""
title: AlphaOmega · Auto
author: AlphaOmega
version: 0.1.0
license: MIT
description: Reads each message and hands it to the backend it needs: code, vision or chat.
"""

import asyncio

from pydantic import BaseModel, Field

from alphaomega import host, routing
from alphaomega.auto import AutoRouter, AutoSettings
from alphaomega.pipes import stall_timeout_field
from alphaomega.vision import ImageLimits


class Pipeline:
    class Valves(BaseModel):
        code_model: str = Field(default="qwen2.5-coder:7b", description="Fleet model for code.")
        vision_model: str = Field(
            default="llava:34b", description="Fleet model for messages with images."
        )
        general_model: str = Field(
            default="llama3.1:8b", description="Fleet model for everything else."
        )
        system_prompt: str | None = Field(
            default=None, description="System prompt for every route (empty: none)."
        )
        llm_stage: bool = Field(
            default=False,
            description="When the fast router is unsure, ask the general model to decide.",
        )
        llm_threshold: float = Field(
            default=0.7,
            ge=0,
            le=1,
            description="The fast router's confidence below which the model is asked.",
        )
        llm_timeout_s: float = Field(
            default=3.0, gt=0, description="Longest wait for the routing model, seconds."
        )
        max_width: int = Field(
            default=1280, ge=16, description="Images are shrunk to fit this width."
        )
        max_height: int = Field(
            default=720, ge=16, description="Images are shrunk to fit this height."
        )
        stall_timeout_s: float = stall_timeout_field()

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
        v = self.valves
        settings = AutoSettings(
            code_model=v.code_model,
            vision_model=v.vision_model,
            general_model=v.general_model,
            system_prompt=v.system_prompt,
            llm_stage=v.llm_stage,
            llm_threshold=v.llm_threshold,
            llm_timeout_s=v.llm_timeout_s,
            image_limits=ImageLimits(max_width=v.max_width, max_height=v.max_height),
            stall_timeout_s=v.stall_timeout_s,
        )
        return self.core.pipe(body, messages, settings)
