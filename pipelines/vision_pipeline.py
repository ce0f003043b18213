"""
title: AlphaOmega · Vision
author: AlphaOmega
version: 0.1.0
license: MIT
description: Vision models on the AlphaOmega fleet; images made upright, flattened, shrunk.
"""

from pydantic import BaseModel, Field

from alphaomega import host
from alphaomega.pipes import stall_timeout_field
from alphaomega.vision import ImageLimits, VisionModel


class Pipeline:
    class Valves(BaseModel):
        models: list[str] = Field(
            default=["llava:34b", "llama3.2-vision:11b"],
            description="Ollama vision models offered as AlphaOmega · Vision models.",
        )
        model_pattern: str | None = Field(
            default=None,
            description="Regex: when set, offer every fleet model whose name matches "
            "(e.g. 'llava|vision|moondream') instead of the list above.",
        )
        system_prompt: str | None = Field(default=None, description="System prompt (empty: none).")
        max_width: int = Field(
            default=1280, ge=16, description="Images are shrunk to fit this width."
        )
        max_height: int = Field(
            default=720, ge=16, description="Images are shrunk to fit this height."
        )
        jpeg_quality: int = Field(
            default=85, ge=10, le=100, description="JPEG quality sent to the model."
        )
        max_image_mb: float = Field(
            default=20.0, gt=0, description="Largest image accepted, in MB."
        )
        max_images: int = Field(default=8, ge=1, description="Most images sent in one request.")
        allow_image_links: bool = Field(
            default=True, description="Fetch images given as http(s) links."
        )
        allow_private_image_hosts: bool = Field(
            default=False, description="Also fetch image links that point into private networks."
        )
        image_link_timeout_s: float = Field(
            default=10.0, gt=0, description="Time limit per image link."
        )
        keep_alive: str | None = Field(
            default=None,
            description="Ollama keep_alive, e.g. '30m' (empty: the instance's default).",
        )
        stall_timeout_s: float = stall_timeout_field()

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
        v = self.valves
        limits = ImageLimits(
            max_width=v.max_width,
            max_height=v.max_height,
            jpeg_quality=v.jpeg_quality,
            max_bytes=int(v.max_image_mb * 1_048_576),
        )
        return self.core.pipe(
            body,
            model_id,
            messages,
            limits=limits,
            max_images=v.max_images,
            allow_remote=v.allow_image_links,
            allow_private_hosts=v.allow_private_image_hosts,
            fetch_timeout_s=v.image_link_timeout_s,
            system_prompt=v.system_prompt,
            keep_alive=v.keep_alive,
            stall_timeout_s=v.stall_timeout_s,
        )
