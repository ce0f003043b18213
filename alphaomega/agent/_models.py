"""The cores of AlphaOmega · Screen and AlphaOmega · Agent-S (their plugin files are thin)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from .. import chat
from ..errors import AlphaOmegaError
from ..fleet import ChatMessage, ChatRequest
from ..messages import last_user_text, text_of
from ..pipes import FleetChatModel, chat_affinity, reply_or_notice
from ._client import HostClient, frame_of, thumbnail_markdown
from ._loop import AgentRun, Pending
from ._planner import BuiltInPlanner
from ._settings import AgentSettings, ScreenSettings

log = logging.getLogger(__name__)

DEFAULT_QUESTION = "What's on my screen?"
YES = frozenset({"yes", "y", "ok", "okay", "do it", "go", "go ahead", "confirm", "yes please"})
NO = frozenset({"no", "n", "nope", "cancel", "don't", "dont", "stop", "abort", "nein", "non"})
STOP_WORDS = frozenset({"stop", "/stop", "halt", "abort"})
RESUME_WORDS = frozenset({"resume", "/resume"})


def _user_id(body: dict[str, Any]) -> str:
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    return str(user.get("id") or "")


class ScreenModel(FleetChatModel):
    """A screenshot from the agent host, shrunk, described by a vision model, with a thumbnail."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("screen", **kwargs)

    def respond(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: ScreenSettings
    ) -> chat.SSEStream | dict[str, Any]:
        events = reply_or_notice(body, lambda: self._look(body, messages, settings))
        return chat.respond(body, str(body.get("model") or "screen"), events)

    async def events(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: ScreenSettings
    ) -> AsyncIterator[chat.Event]:
        """The reply's events (Auto hands a message here in-process)."""
        async for event in await self._look(body, messages, settings):
            yield event

    async def _look(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: ScreenSettings
    ) -> AsyncIterator[chat.Event]:
        client = HostClient.from_env(user=_user_id(body))
        try:
            shot = await client.screenshot(
                max_width=settings.max_width, jpeg_quality=settings.host_jpeg_quality or None
            )
            frame = await asyncio.to_thread(frame_of, shot, settings.image_limits())
            thumb = await asyncio.to_thread(thumbnail_markdown, shot, settings.thumbnail_width)
        except AlphaOmegaError as exc:
            return chat.error_events(exc)
        question = last_user_text(messages).strip() or DEFAULT_QUESTION
        request = ChatRequest(
            model=settings.model,
            messages=[
                ChatMessage(role="system", content=settings.system_prompt),
                ChatMessage(role="user", content=question, images=[frame.jpeg_b64]),
            ],
        )
        quiet = chat.QuietRule(settings.model, cut_after_s=settings.stall_timeout_s)
        described = self._reply(request, chat_affinity(body), None, quiet)
        preface = f"Looked at the screen ({frame.screen_width}×{frame.screen_height})"
        return _with_thumbnail(preface, thumb, described)


async def _with_thumbnail(
    preface: str, thumb: str, events: AsyncIterator[chat.Event]
) -> AsyncIterator[chat.Event]:
    yield chat.Status(preface, done=True, hidden=False)
    if thumb:
        yield chat.Text(thumb + "\n\n")
    async for event in events:
        yield event


class AgentModel:
    """Agent-S: runs a task on the desktop through the agent host, one validated step at a time."""

    def __init__(self, *, fleet: Any = None) -> None:
        self._chat = FleetChatModel("agent", fleet=fleet)

    def respond(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AgentSettings
    ) -> chat.SSEStream | dict[str, Any]:
        events = reply_or_notice(body, lambda: self._run(body, messages, settings))
        return chat.respond(body, str(body.get("model") or "agent"), events)

    async def events(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AgentSettings
    ) -> AsyncIterator[chat.Event]:
        """The reply's events (Auto hands a message here in-process)."""
        async for event in await self._run(body, messages, settings):
            yield event

    def _chat_events(
        self, messages: list[dict[str, Any]], settings: AgentSettings
    ) -> AsyncIterator[chat.Event]:
        return self.events({}, messages, settings)

    def planner(self, settings: AgentSettings) -> Any:
        if settings.planner == "agent-s":
            from ._agent_s import agent_s_planner

            return agent_s_planner(self._chat.fleet, settings)
        return BuiltInPlanner(
            self._chat.fleet, settings.model, timeout_s=settings.planner_timeout_s
        )

    async def _run(
        self, body: dict[str, Any], messages: list[dict[str, Any]], settings: AgentSettings
    ) -> AsyncIterator[chat.Event]:
        client = HostClient.from_env(user=_user_id(body))
        text = last_user_text(messages).strip()
        word = text.lower().strip(" .!")
        try:
            if word in STOP_WORDS:
                await client.stop()
                return chat.text_events(
                    "⏹ Stopped: the agent host refuses every action until you send **resume**."
                )
            if word in RESUME_WORDS:
                await client.resume()
                return chat.text_events("▶ Resumed: the agent host accepts actions again.")
            pending = _pending(messages)
            if pending is not None:
                if word not in YES:
                    return chat.text_events(f"Cancelled: {pending.description} was not done.")
                planner = await asyncio.to_thread(self.planner, settings)  # may import gui-agents
                run = AgentRun(planner, client, settings, pending.task)
                return run.events(pending=pending)
            if not text:
                return chat.text_events("Tell me what to do on the screen, e.g. 'Click Submit'.")
            planner = await asyncio.to_thread(self.planner, settings)  # may import gui-agents
            run = AgentRun(planner, client, settings, text)
            return run.events()
        except AlphaOmegaError as exc:
            return chat.error_events(exc)


def answers_pending_step(messages: list[dict[str, Any]]) -> bool:
    """Whether the message answers yes or no to a step the last answer asked about."""
    word = last_user_text(messages).strip().lower().strip(" .!")
    return (word in YES or word in NO) and _pending(messages) is not None


def _pending(messages: list[dict[str, Any]]) -> Pending | None:
    """The step the last answer asked the person to confirm, if it did."""
    for message in reversed(messages[:-1]):
        if message.get("role") == "assistant":
            return Pending.find(text_of(message.get("content")))
    return None
