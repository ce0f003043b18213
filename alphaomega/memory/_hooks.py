"""The memory filter's inlet and outlet: search and inject, store in the background, commands.

Nothing here may break a chat: every failure is logged and the body goes on unchanged, and a
command's failure becomes the text of its answer.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import AlphaOmegaError
from ..messages import is_task
from . import _logic as logic
from ._config import MemorySettings
from ._logic import MemoryCommand
from ._registry import open_service, release_service
from ._service import MemoryService

log = logging.getLogger(__name__)


class MemoryHooks:
    """What one memory filter does; the service behind it is shared by the process."""

    def __init__(self) -> None:
        self.service: MemoryService | None = None
        self._settings: MemorySettings | None = None
        self._opening = False

    async def start(self, settings: MemorySettings) -> None:
        """(Re)open the service for these settings; returns at once, the backend opens behind."""
        self._settings, self._opening = settings, True
        try:
            previous, self.service = self.service, None
            if previous is not None:
                await release_service(previous)
            self.service = await open_service(settings)
        finally:
            self._opening = False

    async def stop(self) -> None:
        service, self.service, self._settings = self.service, None, None
        if service is not None:
            await release_service(service)

    async def _ensure(self, settings: MemorySettings) -> MemoryService | None:
        """The service for ``settings``; None while another call is (re)opening it."""
        if self._opening:
            return None
        current, service = self._settings, self.service
        if service is not None and current == settings:
            return service  # every chat: settings unchanged (the key below costs syscalls)
        same_backend = current is not None and current.backend_key() == settings.backend_key()
        if service is None or not same_backend:
            await self.start(settings)
            return self.service
        if current != settings:
            self._settings = settings
            service.apply(settings)
        return service

    async def inlet(
        self, body: dict[str, Any], user: dict[str, Any] | None, settings: MemorySettings
    ) -> dict[str, Any]:
        user_id = logic.user_id_of(user)
        if not user_id or is_task(body) or not isinstance(body.get("messages"), list):
            return body
        text = logic.last_user_message(body)
        if not text:
            return body
        try:
            service = await self._ensure(settings)
            command = logic.parse_command(text)
            if command is not None:
                return logic.reply_body(body, await self._answer(service, command, user_id))
            if service is None:
                return body
            result = await service.lookup(user_id, text)
        except Exception:
            log.exception("memory: inlet failed; the chat goes on without memories")
            return body
        if result.outcome == "unavailable":
            return body
        note = {
            "outcome": result.outcome,
            "elapsed_ms": result.elapsed_ms,
            "hits": [{"id": h.id, "score": h.score} for h in result.hits],
        }
        noted = logic.with_search_note(body, note)
        if result.hits:
            noted["messages"] = logic.inject_memories(noted["messages"], result.hits)
        return noted

    async def outlet(
        self, body: dict[str, Any], user: dict[str, Any] | None, settings: MemorySettings
    ) -> dict[str, Any]:
        user_id = logic.user_id_of(user)
        if not user_id or is_task(body):
            return body
        turn = logic.last_turn(body)
        if not turn or turn[0]["role"] != "user" or logic.parse_command(turn[0]["content"]):
            return body
        if logic.is_relayed(body.get("messages") or []) or not logic.worth_storing(
            logic.text_of(turn[0]["content"]), infer=settings.infer
        ):
            return body
        try:
            service = await self._ensure(settings)
            if service is not None:
                await service.remember(user_id, turn, infer=settings.infer)
        except Exception:
            log.exception("memory: could not queue a turn to store")
        return body

    async def _answer(
        self, service: MemoryService | None, command: MemoryCommand, user_id: str
    ) -> str:
        if command.kind == "help":
            return logic.HELP_TEXT
        if service is None:
            return logic.unavailable_text("it is starting")
        if service.state in ("starting", "new"):
            await service.wait_ready(5.0)  # a command right after start-up: worth a short wait
        if not service.available:
            return logic.unavailable_text(service.reason or "it is still starting")
        try:
            if command.kind == "list":
                return logic.format_listing(await service.list(user_id))
            if command.kind == "forget_all":
                return logic.format_forgot_all(await service.forget_all(user_id))
            return logic.format_forgotten(command.text, await service.forget(user_id, command.text))
        except AlphaOmegaError as exc:
            return logic.unavailable_text(str(exc.args[0]) if exc.args else str(exc))
        except Exception as exc:
            log.exception("memory: command %s failed", command.kind)
            return logic.unavailable_text(f"{exc.__class__.__name__}: {exc}")
