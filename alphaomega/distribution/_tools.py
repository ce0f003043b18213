"""The cores of the Open WebUI workspace Tools in ``tools/``: what a model with native function
calling may do by itself. Each answer is text for the model; a failure is text too, never an
exception (Open WebUI would show the model a traceback).

Memory tools work per person: the id is Open WebUI's ``__user__["id"]``, never an argument the
model chooses, so no one's model reads or writes another person's memories.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, Field

from .. import runtime
from ..doctor import probe_fleet
from ..errors import AlphaOmegaError
from ..fleet import get_fleet
from ..memory import MemoryService, MemorySettings, open_service, release_service

log = logging.getLogger(__name__)

STORE_WAIT_S = 30.0
READY_WAIT_S = 60.0


class FleetToolSettings(BaseModel):
    show_urls: bool = Field(
        default=False,
        description="Tell the model each instance's URL (off: only its name, so addresses "
        "of the rig do not end up in chats).",
    )


def user_id_of(user: dict[str, Any] | None) -> str:
    return str((user or {}).get("id") or "").strip()


class MemoryTool:
    """``remember``/``recall`` over the memory filter's store, for the person in the chat."""

    def __init__(self) -> None:
        self._service: MemoryService | None = None
        self._settings: MemorySettings | None = None

    async def _open(self, settings: MemorySettings) -> MemoryService:
        if self._service is None or self._settings != settings:
            if self._service is not None:
                await release_service(self._service)
                self._service = None
            self._service = await open_service(settings)
            self._settings = settings
        if not await self._service.wait_ready(READY_WAIT_S):
            raise AlphaOmegaError(f"memory is not available: {self._service.reason}")
        return self._service

    async def remember(self, fact: str, user: dict[str, Any] | None, settings: BaseModel) -> str:
        user_id, fact = user_id_of(user), (fact or "").strip()
        if not user_id:
            return "I cannot tell who you are, so I cannot remember anything for you."
        if not fact:
            return "There was nothing to remember."
        try:
            service = await self._open(_memory_settings(settings))
            said = [{"role": "user", "content": fact}]
            queued = await service.remember(user_id, said, infer=False)  # already a fact
            if queued:
                await service.flush(STORE_WAIT_S)
        except AlphaOmegaError as exc:
            return exc.user_message()
        return "Remembered." if queued else "Memory is busy; that was not stored, try again."

    async def recall(self, query: str, user: dict[str, Any] | None, settings: BaseModel) -> str:
        user_id = user_id_of(user)
        if not user_id:
            return "I cannot tell who you are, so I have no memories of you."
        try:
            service = await self._open(_memory_settings(settings))
            limit = int(getattr(settings, "top_k", 5))
            if (query or "").strip():
                # The model asks about this person on purpose: the personal threshold applies.
                found = await service.lookup(
                    user_id,
                    query,
                    budget_s=STORE_WAIT_S,
                    top_k=limit,
                    threshold=float(getattr(settings, "personal_threshold", 0.2)),
                )
                hits = found.hits
            else:
                hits = (await service.list(user_id))[:limit]
        except AlphaOmegaError as exc:
            return exc.user_message()
        if not hits:
            return "No memory of this person matches."
        return "\n".join(f"- {hit.text}" for hit in hits)

    async def close(self) -> None:
        if self._service is not None:
            await release_service(self._service)
            self._service = None


class FleetTool:
    """``fleet_status``: which instance is up and what each serves and has loaded."""

    async def status(self, settings: FleetToolSettings) -> str:
        try:
            probes = await runtime.run(probe_fleet(get_fleet()))
        except AlphaOmegaError as exc:
            return exc.user_message()
        lines = []
        for p in probes:
            where = f"{p.name} ({p.url})" if settings.show_urls else p.name
            if not p.up:
                lines.append(f"- {where}: DOWN ({p.error or 'no answer'})")
                continue
            loaded = ", ".join(p.loaded) or "nothing"
            lines.append(
                f"- {where}: up, {p.in_flight}/{p.slots} requests running; "
                f"models: {', '.join(p.models) or 'none'}; loaded now: {loaded}"
            )
        return "\n".join(lines) or "No instance is configured."


def _memory_settings(settings: BaseModel) -> MemorySettings:
    fields = set(MemorySettings.model_fields)
    return MemorySettings.model_validate(settings.model_dump(include=fields))
