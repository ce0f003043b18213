"""The Vision models: a fleet chat model whose messages carry prepared images, and their valves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from pydantic import BaseModel, Field

from .. import chat, runtime
from ..errors import InputError
from ..messages import has_images
from ..pipes import (
    FleetChatModel,
    max_num_ctx_field,
    model_pattern_field,
    num_ctx_field,
    offered_models_field,
    stall_timeout_field,
    think_field,
)
from ._fetch import fetch_image
from ._images import ImageLimits, decode_data_url, prepare_image

NO_IMAGE = (
    "No image is attached. Attach a picture (the paper clip or paste it) and ask about it; "
    "for questions without images pick another model."
)

# The box images are shrunk into: a valve of Vision and of Auto (which routes to Vision).
ImageWidth = Annotated[int, Field(ge=16, description="Images are shrunk to fit this width.")]
ImageHeight = Annotated[int, Field(ge=16, description="Images are shrunk to fit this height.")]


class VisionSettings(BaseModel):
    """The Vision models' settings; the plugin's Valves are this model."""

    models: list[str] = offered_models_field(
        "Vision", ["llava:34b", "llama3.2-vision:11b"], kind="vision models"
    )
    model_pattern: str | None = model_pattern_field("llava|vision|moondream")
    system_prompt: str | None = Field(default=None, description="System prompt (empty: none).")
    max_width: ImageWidth = 1280
    max_height: ImageHeight = 720
    jpeg_quality: int = Field(
        default=85, ge=10, le=100, description="JPEG quality sent to the model."
    )
    max_image_mb: float = Field(default=20.0, gt=0, description="Largest image accepted, in MB.")
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
    think: bool | None = think_field()
    num_ctx: int | None = num_ctx_field()
    max_num_ctx: int = max_num_ctx_field()

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            max_width=self.max_width,
            max_height=self.max_height,
            jpeg_quality=self.jpeg_quality,
            max_bytes=int(self.max_image_mb * 1_048_576),
        )

    def reply_options(self) -> dict[str, Any]:
        """What :meth:`VisionModel.events` takes from these settings."""
        return {
            "limits": self.image_limits(),
            "max_images": self.max_images,
            "allow_remote": self.allow_image_links,
            "allow_private_hosts": self.allow_private_image_hosts,
            "fetch_timeout_s": self.image_link_timeout_s,
            "system_prompt": self.system_prompt,
            "keep_alive": self.keep_alive,
            "stall_timeout_s": self.stall_timeout_s,
            "think": self.think,
            "num_ctx": self.num_ctx,
            "max_num_ctx": self.max_num_ctx,
        }


class VisionModel(FleetChatModel):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("vision", **kwargs)

    def events(  # type: ignore[override]
        self,
        body: dict[str, Any],
        model: str,
        messages: list[dict[str, Any]],
        *,
        limits: ImageLimits,
        max_images: int = 8,
        allow_remote: bool = True,
        allow_private_hosts: bool = False,
        fetch_timeout_s: float = 10.0,
        **kwargs: Any,
    ) -> AsyncIterator[chat.Event]:
        if not has_images(messages):
            return chat.error_events(InputError(NO_IMAGE))
        count = 0

        def image_part(part: dict[str, Any]) -> str:
            nonlocal count
            count += 1
            if count > max_images:
                raise InputError(f"At most {max_images} images can go to the model at once.")
            url = str((part.get("image_url") or {}).get("url") or "")
            if url.startswith("data:"):
                return prepare_image(decode_data_url(url, limits), limits)
            if not allow_remote:
                raise InputError("Image links are turned off; attach the image itself.")
            data = runtime.call(
                fetch_image(
                    url, limits, timeout_s=fetch_timeout_s, allow_private=allow_private_hosts
                )
            )
            return prepare_image(data, limits)

        # Runs in a worker thread (see FleetChatModel._request), so it may wait.
        return super().events(body, model, messages, image_part=image_part, **kwargs)
