"""The Vision models: a fleet chat model whose messages carry prepared images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .. import chat, runtime
from ..errors import InputError
from ..messages import has_images
from ..pipes import FleetChatModel
from .fetch import fetch_image
from .images import ImageLimits, decode_data_url, prepare_image

NO_IMAGE = (
    "No image is attached. Attach a picture (the paper clip or paste it) and ask about it; "
    "for questions without images pick another model."
)


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
