"""
title: AlphaOmega · Code
author: AlphaOmega
version: 0.1.0
license: MIT
description: Code models served by the AlphaOmega fleet (one Ollama per GPU), streamed.
"""

from pydantic import BaseModel, Field

from alphaomega import host
from alphaomega.pipes import FleetChatModel, stall_timeout_field

DEFAULT_SYSTEM_PROMPT = (
    "You are an expert programmer. Answer with working code in fenced blocks and a short "
    "explanation of the choices that matter."
)


class Pipeline:
    class Valves(BaseModel):
        models: list[str] = Field(
            default=["qwen2.5-coder:7b", "codellama:13b"],
            description="Ollama models offered as AlphaOmega · Code models.",
        )
        model_pattern: str | None = Field(
            default=None,
            description="Regex: when set, offer every fleet model whose name matches "
            "(e.g. 'coder|codellama|starcoder') instead of the list above.",
        )
        system_prompt: str = Field(
            default=DEFAULT_SYSTEM_PROMPT,
            description="System prompt put before the conversation (empty: none).",
        )
        keep_alive: str | None = Field(
            default=None,
            description="How long Ollama keeps a model loaded after a reply, e.g. '30m' "
            "(empty: the instance's OLLAMA_KEEP_ALIVE).",
        )
        stall_timeout_s: float = stall_timeout_field()

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
        return self.core.pipe(
            body,
            model_id,
            messages,
            system_prompt=self.valves.system_prompt,
            keep_alive=self.valves.keep_alive,
            stall_timeout_s=self.valves.stall_timeout_s,
        )
