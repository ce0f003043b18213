"""What a reply says about what it could not do as asked: a feature the model turned down
(tools, thinking), answered without it, and the oldest turns a long chat left out.

Open WebUI 0.12.4 calls tools natively by default: it offers its built-in tools with every chat,
to every model. A model that cannot call tools (Ollama: ``... does not support tools``) then
answers without them, and a status line says so, instead of every chat with it failing; when
the request demanded a tool call (``tool_choice`` "required" or a named function) the refusal
stands and the person reads it. A ``think`` the model turns down is left out the same way.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from . import chat
from .errors import FeatureUnsupported
from .fleet import ChatDelta, ChatRequest

log = logging.getLogger(__name__)

LEFT_OUT = {
    "tools": "{model} cannot call tools: answered without them",
    "thinking": "{model} does not think (reasoning): answered without it",
}


def without_feature(request: ChatRequest, feature: str) -> ChatRequest | None:
    """``request`` without ``feature``; None when it cannot go without it."""
    if feature == "tools" and request.tools:
        if request.openai.get("tool_choice", "auto") not in ("auto", None):
            return None  # the client demands a tool call: only a refusal is honest
        openai = {k: v for k, v in request.openai.items() if k not in ("tools", "tool_choice")}
        return request.model_copy(update={"tools": None, "openai": openai})
    if feature == "thinking" and request.think:
        return request.model_copy(update={"think": None})
    return None


async def chat_without_unsupported(
    fleet: Any, request: ChatRequest, affinity: str | None, dropped: list[str]
) -> AsyncIterator[ChatDelta]:
    """``fleet.chat(request)``, tried again without each feature the model turns down before
    its first token (each one named in ``dropped``)."""
    while True:
        stream = fleet.chat(request, affinity=affinity)
        async with contextlib.aclosing(stream):
            try:
                first = await anext(stream)
            except FeatureUnsupported as exc:
                lighter = without_feature(request, exc.feature)
                if lighter is None:
                    raise
                log.info("%s: %s; asking again without %s", request.model, exc, exc.feature)
                dropped.append(exc.feature)
                request = lighter
                continue
            yield first
            async for delta in stream:
                yield delta
            return


async def saying_what_was_left_out(
    events: AsyncIterator[chat.Event], model: str, dropped: list[str]
) -> AsyncIterator[chat.Event]:
    """``events`` with a status line that stays, once, for each feature in ``dropped``: put
    after the status lines of the wait (the last status shown is the one that stays)."""
    said = 0
    async with contextlib.aclosing(events):  # type: ignore[type-var]
        async for event in events:
            while said < len(dropped) and not isinstance(event, chat.Status):
                text = LEFT_OUT.get(dropped[said], "{model} cannot do " + dropped[said])
                yield chat.Status(text.format(model=model), done=True, hidden=False)
                said += 1
            yield event


def context_note(model: str, num_ctx: int, dropped: int) -> str:
    return (
        f"\n\n_Note: this chat is longer than the context of {model} ({num_ctx} tokens): its "
        f"{dropped} oldest message{'s' if dropped != 1 else ''} were left out of this answer. "
        "Start a new chat, or raise the model's num_ctx valve._"
    )


async def with_note(events: AsyncIterator[chat.Event], note: str) -> AsyncIterator[chat.Event]:
    """``events`` with ``note`` as the answer's last text."""
    async with contextlib.aclosing(events):  # type: ignore[type-var]
        async for event in events:
            if isinstance(event, chat.Finish):
                yield chat.Text(note)
            yield event
