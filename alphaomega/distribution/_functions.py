"""What a bundled Open WebUI Function builds on: the plugin's own Pipelines class, wired to the
way Open WebUI 0.12.4 calls a Function.

- ``PipeFunction``: a manifold (``pipes`` lists the plugin's models, ``self.name`` prefixes
  them); ``pipe(body, __user__, __event_emitter__)`` hands the turn to the plugin's ``pipe``
  and relays its reply: text as it streams, status lines through ``__event_emitter__``.
- ``FilterFunction``: ``inlet``/``outlet`` forward to the plugin; ``Valves.priority`` orders
  it; a ``user_switch`` label gives it ``UserValves`` with an ``enabled`` switch per person.

The pack runs on Open WebUI's loop when it can adopt it (before anything started the pack's
own); otherwise each step is carried over to the pack's loop. Start-up and valve changes are
applied lazily, on the next call, since Open WebUI sets a fresh ``valves`` before each one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

from pydantic import BaseModel, Field, create_model

from .. import openai, runtime
from ..chat import Finish, Status, Text

log = logging.getLogger(__name__)

Emitter = Callable[[dict[str, Any]], Awaitable[Any]]


class _Wired:
    plugin: ClassVar[type]
    Valves: ClassVar[type[BaseModel]]

    def __init__(self) -> None:
        _adopt_running_loop()
        self._plugin = self.plugin()
        self.name = self._plugin.name
        self._applied: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    @property
    def valves(self) -> BaseModel:
        return self._plugin.valves

    @valves.setter
    def valves(self, value: BaseModel) -> None:
        self._plugin.valves = value

    async def _ready(self) -> None:
        """``on_startup`` once, ``on_valves_updated`` when the valves changed since."""
        current = self.valves.model_dump(mode="json")
        if current == self._applied:
            return
        async with self._lock:
            if current == self._applied:
                return
            hook = "on_valves_updated" if self._applied is not None else "on_startup"
            step = getattr(self._plugin, hook, None) or getattr(self._plugin, "on_startup", None)
            if step is not None:
                await runtime.run(step())
            self._applied = current


class PipeFunction(_Wired):
    """An Open WebUI Pipe (manifold) around a Pipelines manifold class."""

    def pipes(self) -> list[dict[str, str]]:
        listed = self._plugin.pipelines
        return list(listed() if callable(listed) else listed)

    async def pipe(
        self,
        body: dict[str, Any],
        __user__: dict[str, Any] | None = None,
        __event_emitter__: Emitter | None = None,
    ) -> Any:
        await self._ready()
        model = str(body.get("model") or "")
        sub_model = model.split(".", 1)[1] if "." in model else model
        messages = body.get("messages") or []
        streamed = bool(body.get("stream"))
        # Always ask for the stream: collecting a whole reply would wait on this very loop.
        result = self._plugin.pipe(
            _last_user_text(messages), sub_model, messages, {**body, "stream": True}
        )
        events = getattr(result, "events", None)
        if events is None:
            return result
        relay = _relay(model, events, __event_emitter__)
        if streamed:
            return relay
        parts = [p async for p in relay if isinstance(p, str)]
        return "".join(parts)


class FilterFunction(_Wired):
    """An Open WebUI Filter around a Pipelines filter class."""

    user_switch: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.user_switch:
            cls.UserValves = create_model(  # type: ignore[attr-defined]
                "UserValves", enabled=(bool, Field(default=True, description=cls.user_switch))
            )

    async def inlet(
        self, body: dict[str, Any], __user__: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if not _switched_on(__user__):
            return body
        await self._ready()
        return await runtime.run(self._plugin.inlet(body, _pipelines_user(__user__)))

    async def outlet(
        self, body: dict[str, Any], __user__: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if not _switched_on(__user__) or not hasattr(self._plugin, "outlet"):
            return body
        await self._ready()
        return await runtime.run(self._plugin.outlet(body, _pipelines_user(__user__)))


async def _relay(
    model: str, events: AsyncIterator[Any], emit: Emitter | None
) -> AsyncIterator[str | dict[str, Any]]:
    """The reply's text as it comes; status lines to the emitter; usage as a last chunk."""
    async for event in _on_pack_loop(events):
        if isinstance(event, Text):
            yield event.text
        elif isinstance(event, Status) and emit is not None:
            hidden = event.done if event.hidden is None else event.hidden
            data = {"description": event.description, "done": event.done, "hidden": hidden}
            await emit({"type": "status", "data": data})
        elif isinstance(event, Finish) and event.usage is not None:
            chunk_id = openai.completion_id(model)
            usage = event.usage.as_openai()
            yield openai.final_chunk(
                model, chunk_id=chunk_id, finish_reason=event.reason, usage=usage
            )


async def _on_pack_loop(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Each item of ``events``, read on the pack's loop (directly when it is this one)."""

    async def step() -> tuple[bool, Any]:
        try:
            return True, await anext(events)
        except StopAsyncIteration:
            return False, None

    try:
        while True:
            more, item = await runtime.run(step())
            if not more:
                return
            yield item
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await runtime.run(aclose())


def _adopt_running_loop() -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if not runtime.adopt(running):
        log.info("the pack's own loop already runs; Functions hand their work over to it")


def _switched_on(user: dict[str, Any] | None) -> bool:
    valves = (user or {}).get("valves")
    return bool(getattr(valves, "enabled", True))


def _pipelines_user(user: dict[str, Any] | None) -> dict[str, Any] | None:
    """The user record a Pipelines filter gets, from Open WebUI's ``__user__``."""
    if not user:
        return None
    return {k: user[k] for k in ("id", "email", "name", "role") if k in user}


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(
                part.get("text", "")
                for part in content or []
                if isinstance(part, dict) and part.get("type") == "text"
            )
    return ""
