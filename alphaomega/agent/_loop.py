"""One Agent-S run: observe → plan one step → validate → act → observe again.

Each step is a status line and a line of the answer; a refused or malformed step is a line that
says why, and the run goes on (up to two refusals in a row) or ends cleanly. The person's Stop
closes the reply, which ends the run before its next action.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from .. import chat
from ..errors import AlphaOmegaError
from ..safety import validate_action
from ._client import ActionRefused, Frame, HostClient, frame_of
from ._planner import PlanError, PlannedStep, is_risky
from ._settings import AgentSettings

MAX_REFUSALS_IN_A_ROW = 2
_PENDING = re.compile(r"```agent-step\n(?P<json>\{.*?\})\n```", re.DOTALL)


class Planner(Protocol):
    async def next_step(self, task: str, frame: Frame, history: list[str]) -> PlannedStep: ...


@dataclass(frozen=True)
class Pending:
    """A risky step waiting for the person's yes (kept in the answer, read from the history)."""

    task: str
    action: str
    description: str
    step: int
    history: list[str]

    def block(self) -> str:
        data = {
            "task": self.task,
            "action": self.action,
            "description": self.description,
            "step": self.step,
            "history": self.history,
        }
        return f"```agent-step\n{json.dumps(data, ensure_ascii=False)}\n```"

    @classmethod
    def find(cls, text: str) -> Pending | None:
        match = _PENDING.search(text or "")
        if match is None:
            return None
        try:
            data: dict[str, Any] = json.loads(match.group("json"))
            return cls(
                str(data["task"]),
                str(data["action"]),
                str(data["description"]),
                int(data["step"]),
                [str(h) for h in data.get("history") or []],
            )
        except (ValueError, KeyError, TypeError):
            return None


class AgentRun:
    def __init__(
        self, planner: Planner, client: HostClient, settings: AgentSettings, task: str
    ) -> None:
        self.planner = planner
        self.client = client
        self.settings = settings
        self.task = task
        self.history: list[str] = []  # what the planner is told: done and refused steps
        self.done: list[str] = []  # the actions the host ran
        self.shown: str | None = None  # the status line on screen, ended on a failure
        self.total = settings.max_steps

    def _line(self, step: int, text: str) -> str:
        return f"Step {step}/{self.total}: {text}"

    async def observe(self) -> Frame:
        settings = self.settings
        shot = await self.client.screenshot(
            max_width=settings.max_width, jpeg_quality=settings.host_jpeg_quality or None
        )
        return await asyncio.to_thread(frame_of, shot, settings.image_limits())

    async def events(self, pending: Pending | None = None) -> AsyncIterator[chat.Event]:
        self.refusals, self.ended = 0, False
        step = 1
        try:
            if pending is not None:
                self.history = list(pending.history)
                self.done = [h for h in pending.history if not h.startswith("REFUSED ")]
                async for event in self._act(pending.step, pending.action, pending.description):
                    yield event
                step = pending.step + 1
            while step <= self.total and not self.ended:
                async for event in self._step(step):
                    yield event
                step += 1
            if not self.ended:
                yield self._say(self._summary(f"Stopped at the step limit ({self.total})"))
        except ActionRefused as exc:
            if self.shown:
                yield chat.Status(self.shown, done=True)
            yield self._say(f"✗ {exc.user_message()}")
            yield self._say(self._summary("Ended"))
        except AlphaOmegaError as exc:
            if self.shown:
                yield chat.Status(self.shown, done=True)
            yield self._say(f"⚠️ {exc.user_message()}")

    async def _step(self, step: int) -> AsyncIterator[chat.Event]:
        """One step: observe, plan, validate, then act, wait for a yes, or end the run."""
        looking = self.shown = self._line(step, "looking at the screen…")
        yield chat.Status(looking)
        frame = await self.observe()
        try:
            planned = await self.planner.next_step(self.task, frame, self.history)
        except PlanError as exc:
            yield chat.Status(looking, done=True)
            yield self._refused(
                self._line(step, f"✗ {exc.user_message()}"), "the planner's answers"
            )
            return
        yield chat.Status(looking, done=True)
        if planned.control in ("DONE", "FAIL"):
            self.ended = True
            head = "✓ Done" if planned.control == "DONE" else "✗ The planner gave up"
            yield self._say(self._summary(head))
            return
        verdict = validate_action(planned.source, screen=(frame.screen_width, frame.screen_height))
        if not verdict.allowed:
            why = "; ".join(verdict.reasons)
            self.history.append(f"REFUSED {planned.description} ({why})")
            line = self._line(step, f"✗ refused {planned.description}: {why}")
            yield self._refused(line, "the validator's verdicts")
            return
        self.refusals = 0
        if self.settings.mode == "observe":
            self.ended = True
            note = f"would {planned.description} (observe mode: nothing done)"
            yield self._say(self._line(step, note))
            return
        if self.settings.mode == "confirm" and is_risky([c.function for c in verdict.calls]):
            self.ended = True
            wait = Pending(self.task, planned.source, planned.description, step, self.history)
            ask = f"⏸ {planned.description} needs your OK. Reply **yes** to do it; " + (
                "anything else cancels."
            )
            yield self._say(self._line(step, ask) + "\n\n" + wait.block())
            return
        async for event in self._act(step, planned.source, planned.description):
            yield event

    def _refused(self, line: str, what: str) -> chat.Text:
        self.refusals += 1
        if self.refusals >= MAX_REFUSALS_IN_A_ROW:
            self.ended = True
            line += f"\n\nEnded: {what} were refused twice in a row."
        return self._say(line)

    async def _act(self, step: int, source: str, description: str) -> AsyncIterator[chat.Event]:
        self.shown = self._line(step, description)
        yield chat.Status(self.shown)
        await self.client.act(source)
        self.history.append(description)
        self.done.append(description)
        yield chat.Status(self.shown, done=True)
        self.shown = None
        yield self._say(self._line(step, f"✓ {description}"))
        await asyncio.sleep(self.settings.settle_s)

    @staticmethod
    def _say(text: str) -> chat.Text:
        return chat.Text(text + "\n\n")

    def _summary(self, head: str) -> str:
        if not self.done:
            return f"{head}: no action was taken."
        return f"{head} after {len(self.done)} action(s): {'; '.join(self.done)}."
