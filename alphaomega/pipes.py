"""The core of every manifold that chats through the fleet (Code, Vision, ...).

A plugin file holds a ``FleetChatModel`` and forwards ``pipelines`` and ``pipe`` to it. The
valves these models share (and the Code models' settings) live in ``alphaomega.chat_settings``
and are offered here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from . import chat, runtime
from .chat_settings import (
    CODE_SYSTEM_PROMPT,
    DEFAULT_MAX_NUM_CTX,
    CodeSettings,
    max_num_ctx_field,
    model_pattern_field,
    num_ctx_field,
    offered_models_field,
    stall_timeout_field,
    think_field,
)
from .errors import AlphaOmegaError, ConfigError, InputError
from .fallback import (
    chat_without_unsupported,
    context_note,
    saying_what_was_left_out,
    with_note,
)
from .fields import OPTION_FIELDS, backend_fields, context_size, fit_context
from .fleet import ChatDelta, ChatRequest, Fleet, get_fleet
from .messages import (
    ImagePartHook,
    messages_problem,
    options_problem,
    to_backend_messages,
    unsupported_problem,
)
from .replies import preset_reply

__all__ = [
    "CODE_SYSTEM_PROMPT",
    "DEFAULT_MAX_NUM_CTX",
    "CodeSettings",
    "FleetChatModel",
    "chat_affinity",
    "max_num_ctx_field",
    "model_pattern_field",
    "num_ctx_field",
    "offered_models_field",
    "options_from_body",
    "reply_or_notice",
    "select_models",
    "stall_timeout_field",
    "think_field",
]

log = logging.getLogger(__name__)


def options_from_body(body: dict[str, Any]) -> dict[str, Any]:
    return {
        target: body[name] for name, target in OPTION_FIELDS.items() if body.get(name) is not None
    }


def chat_affinity(body: dict[str, Any]) -> str | None:
    """What keeps a conversation on one instance (its KV cache is warm there): the chat id when
    Open WebUI sends one, else the user Open WebUI names for pipelines."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    return metadata.get("chat_id") or body.get("chat_id") or user.get("id") or None


def select_models(configured: list[str], pattern: str, available: list[str]) -> list[str]:
    """The models a manifold lists: those available that match ``pattern`` when one is set and
    the fleet has answered; otherwise the configured list."""
    if pattern.strip():
        try:
            regex = re.compile(pattern.strip(), re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"the model pattern {pattern!r} is not a valid regex: {exc}") from exc
        matching = [name for name in available if regex.search(name)]
        if matching:
            return matching
    return [name for name in dict.fromkeys(m.strip() for m in configured) if name]


async def reply_or_notice(
    body: dict[str, Any], source: Callable[[], Awaitable[AsyncIterator[chat.Event]]]
) -> AsyncIterator[chat.Event]:
    """The events ``source`` gives, built when the reply is first read; or, when a filter has
    already answered this turn (a block, a memory listing), that answer."""
    notice = preset_reply(body)
    events = chat.text_events(notice) if notice is not None else await source()
    async with contextlib.aclosing(events):
        async for event in events:
            yield event


class FleetChatModel:
    """One family of chat models served by the fleet, e.g. the Code models."""

    def __init__(self, family: str, *, fleet: Fleet | None = None) -> None:
        self.family = family
        self._fleet = fleet

    @property
    def fleet(self) -> Fleet:
        return self._fleet or get_fleet()

    def entries(self, configured: list[str], pattern: str | None) -> list[dict[str, str]]:
        """The manifold's sub-models. Called by the server on every request, so: no I/O."""
        pattern = (pattern or "").strip()
        available: list[str] = []
        if pattern:  # only a pattern reads the fleet's catalogue
            self.fleet.refresh_soon()
            available = self.fleet.known_models()
        try:
            names = select_models(configured, pattern, available)
        except ConfigError as exc:
            log.warning("%s: %s; listing the configured models", self.family, exc)
            names = select_models(configured, "", [])
        return [{"id": name, "name": name} for name in names]

    def pipe(
        self, body: dict[str, Any], model: str, messages: list[dict[str, Any]], **options: Any
    ) -> chat.SSEStream | dict[str, Any]:
        """Answer one chat turn; never raises, every problem is text in the reply.

        Returns at once (the native path calls it on the server's loop): the work, from
        reading the messages to the last token, happens as the reply is read.
        """
        return chat.respond(
            body, str(body.get("model") or model), self.events(body, model, messages, **options)
        )

    def events(
        self,
        body: dict[str, Any],
        model: str,
        messages: list[dict[str, Any]],
        *,
        system_prompt: str | None = None,
        image_part: ImagePartHook | None = None,
        keep_alive: str | None = None,
        preface: str | None = None,
        stall_timeout_s: float | None = None,
        think: bool | None = None,
        num_ctx: int | None = None,
        max_num_ctx: int = DEFAULT_MAX_NUM_CTX,
    ) -> AsyncIterator[chat.Event]:
        """The events of one reply (see ``chat.reply_events``)."""

        async def source() -> AsyncIterator[chat.Event]:
            # A stock server (no native path) hands the pipe whatever it was sent.
            problem = messages_problem(messages) or options_problem(body)
            problem = problem or unsupported_problem(body)
            if problem:
                return chat.error_events(InputError(problem))
            try:
                request = await self._request(
                    body, model, messages, system_prompt, image_part, keep_alive, think
                )
                request, note = await self._fitted(request, num_ctx, max_num_ctx)
            except AlphaOmegaError as exc:
                return chat.error_events(exc)
            except Exception as exc:  # pydantic rejects what no person should read raw
                return chat.error_events(ConfigError(f"bad request: {exc}"))
            quiet = chat.QuietRule(model, cut_after_s=stall_timeout_s or chat.STALL_TIMEOUT_S)
            events = self._reply(request, chat_affinity(body), preface, quiet)
            return with_note(events, note) if note else events

        return reply_or_notice(body, source)

    @staticmethod
    async def _request(
        body: dict[str, Any],
        model: str,
        messages: list[dict[str, Any]],
        system_prompt: str | None,
        image_part: ImagePartHook | None,
        keep_alive: str | None,
        think: bool | None = None,
    ) -> ChatRequest:
        convert = functools.partial(
            to_backend_messages, messages, system_prompt=system_prompt or "", image_part=image_part
        )
        # Images are decoded, resized and maybe fetched: off the loop. Text is cheap.
        converted = await asyncio.to_thread(convert) if image_part else convert()
        fields = backend_fields(body, think=think)
        return ChatRequest(
            model=model,
            messages=converted,
            options=fields.options,
            keep_alive=keep_alive or None,
            tools=fields.tools,
            format=fields.format,
            think=fields.think,
            openai=fields.openai,
        )

    async def _fitted(
        self, request: ChatRequest, num_ctx: int | None, cap: int
    ) -> tuple[ChatRequest, str]:
        """The request with its ``num_ctx`` and the turns that fit it, and the note to add
        when some were left out ("" when none were)."""
        known = getattr(self.fleet, "context_length", None)  # a test's stand-in may lack it
        length = await known(request.model) if known is not None else None
        size = context_size(num_ctx, length, cap)
        if size is None:
            return request, ""
        kept, dropped = fit_context(request.messages, size, request.options.get("num_predict"))
        fitted = request.model_copy(
            update={"options": {**request.options, "num_ctx": size}, "messages": kept}
        )
        if dropped:
            log.info("%s: %d oldest messages left out for num_ctx %d", request.model, dropped, size)
        return fitted, context_note(request.model, size, dropped) if dropped else ""

    def _reply(
        self,
        request: ChatRequest,
        affinity: str | None,
        preface: str | None,
        quiet: chat.QuietRule | None = None,
    ) -> AsyncIterator[chat.Event]:
        fleet, model = self.fleet, request.model
        waiting = f"Loading {model}…" if not fleet.is_loaded(model) else f"Waiting for {model}…"

        dropped: list[str] = []  # features the model turned down, left out of a second try

        def open_stream() -> AsyncIterator[ChatDelta]:
            return chat_without_unsupported(fleet, request, affinity, dropped)

        events = chat.reply_events(open_stream, waiting_text=waiting, quiet=quiet)
        events = saying_what_was_left_out(events, model, dropped)
        return chat.with_preface(preface, events) if preface else events

    async def on_startup(self) -> None:
        """Learn the fleet's models in the background; start-up never waits on a backend."""
        runtime.spawn(self.fleet.refresh())
