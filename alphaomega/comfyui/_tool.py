"""The Image model as an Open WebUI workspace Tool (``tools/image_tool.py``): any chat model
with native function calling can draw.

The Tool runs inside Open WebUI, on its event loop; the render runs on the pack's loop
(``runtime.run``) and its events come back to Open WebUI's loop, where the status lines and
the pictures go out through Open WebUI's ``__event_emitter__``: ``status`` events while it
renders, then one ``files`` event with the pictures (Open WebUI 0.12.4 stores a message's files
with the chat, so they show again after a reload). The model reads the parameters as the
Tool's result, never the picture's bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field

from .. import chat, runtime
from ._model import ImageModel
from ._settings import ImageSettings

Emitter = Callable[[dict[str, Any]], Awaitable[Any]]


class ImageToolSettings(ImageSettings):
    workflow: str = Field(
        default="sdxl", description="Workflow the tool draws with (sdxl, flux, sd15)."
    )


class ImageTool:
    def __init__(self, core: ImageModel | None = None) -> None:
        self.core = core or ImageModel()

    async def generate(
        self, prompt: str, settings: ImageToolSettings, emit: Emitter | None = None
    ) -> str:
        """Draw ``prompt`` (flags allowed); returns the text the calling model reads."""
        here = asyncio.get_running_loop()
        events: asyncio.Queue[chat.Event | None] = asyncio.Queue()
        messages = [{"role": "user", "content": prompt}]

        async def produce() -> None:
            stream = self.core.events({}, settings.workflow, messages, settings)
            try:
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        here.call_soon_threadsafe(events.put_nowait, event)
            finally:
                here.call_soon_threadsafe(events.put_nowait, None)

        producer = asyncio.ensure_future(runtime.run(produce()))
        texts: list[str] = []
        try:
            while (event := await events.get()) is not None:
                await _forward(event, emit, texts)
            await producer
        finally:
            producer.cancel()  # the chat was stopped: the render is cancelled on ComfyUI
        return "".join(texts).strip()


async def _forward(event: chat.Event, emit: Emitter | None, texts: list[str]) -> None:
    if isinstance(event, chat.Text):
        texts.append(event.text)
    elif emit is None:
        return
    elif isinstance(event, chat.Status):
        data = {"description": event.description, "done": event.done}
        await emit({"type": "status", "data": data})
    elif isinstance(event, chat.Images):
        files = [{"type": "image", "url": url} for url in event.urls]
        await emit({"type": "files", "data": {"files": files}})
        texts.append(f"{len(files)} picture(s) shown to the user. ")
