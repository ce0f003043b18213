"""The built-in planner: a vision model on the fleet answers each step as one JSON action.

Its answer is data: parsed as JSON, validated with pydantic, its coordinates scaled from the
screenshot the model saw to the real screen, and turned into the canonical pyautogui source
the validator and the host read. Nothing the model writes is ever run as code.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from ..errors import AlphaOmegaError
from ..fleet import ChatMessage, ChatRequest, Fleet
from ._client import Frame

PLANNER_PROMPT = """You operate a computer for a person, one step at a time.
You see a screenshot of {width}x{height} pixels. Answer with ONE JSON object and nothing else:
{{"action": "click" | "double_click" | "type" | "hotkey" | "scroll" | "wait" | "done" | "fail",
 "x": <pixel column in the screenshot>, "y": <pixel row>, "target": "<what you click>",
 "text": "<text to type>", "keys": ["ctrl", "s"], "amount": <scroll clicks, + up, - down>,
 "reason": "<one short sentence>"}}
Give x and y for click, double_click (and optionally scroll); text for type; keys for hotkey;
amount for scroll. Answer "done" when the task is complete, "fail" when it cannot be done."""

Kind = Literal["click", "double_click", "type", "hotkey", "scroll", "wait", "done", "fail"]
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
SAFE_FUNCTIONS = frozenset(
    {"click", "doubleClick", "rightClick", "moveTo", "scroll", "hscroll", "vscroll"}
)


class PlanError(AlphaOmegaError):
    """The planner's answer is not one valid action."""


class PlannerAction(BaseModel):
    """One step as the model answers it, in the screenshot's pixels."""

    action: Kind = Field(description="What to do.")
    x: float | None = Field(None, description="Column in the screenshot.")
    y: float | None = Field(None, description="Row in the screenshot.")
    target: str | None = Field(None, max_length=200, description="What is clicked.")
    text: str | None = Field(None, max_length=2000, description="Text to type.")
    keys: list[str] | None = Field(None, max_length=6, description="Keys pressed together.")
    amount: int | None = Field(None, ge=-100, le=100, description="Scroll clicks.")
    reason: str | None = Field(None, max_length=500, description="Why, in one sentence.")

    @model_validator(mode="after")
    def _complete(self) -> PlannerAction:
        need = {
            "click": ("x", "y"),
            "double_click": ("x", "y"),
            "type": ("text",),
            "hotkey": ("keys",),
            "scroll": ("amount",),
        }.get(self.action, ())
        missing = [name for name in need if getattr(self, name) in (None, [], "")]
        if missing:
            raise ValueError(f"'{self.action}' needs {' and '.join(missing)}")
        return self


@dataclass(frozen=True)
class PlannedStep:
    """One step ready for the validator: its source, and a line for people."""

    source: str  # canonical pyautogui source, or DONE / FAIL / WAIT
    description: str
    reason: str = ""

    @property
    def control(self) -> str | None:
        return self.source if self.source in ("DONE", "FAIL", "WAIT") else None


def parse_answer(text: str) -> PlannerAction:
    """The one JSON action in a model's answer; ``PlanError`` says what is wrong with it."""
    match = _OBJECT.search(text or "")
    if match is None:
        raise PlanError(f"the planner did not answer with a JSON action ({_shown(text)})")
    try:
        return PlannerAction.model_validate(json.loads(match.group(0)))
    except json.JSONDecodeError as exc:
        raise PlanError(f"the planner's JSON is malformed ({exc.msg})") from exc
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise PlanError(
            f"the planner's action is invalid ({where + ': ' if where else ''}{problem['msg']})"
        ) from exc


def _shown(text: str) -> str:
    text = " ".join((text or "").split())
    return repr(text[:80] + ("…" if len(text) > 80 else ""))


def to_step(action: PlannerAction, frame: Frame) -> PlannedStep:
    """The canonical pyautogui source for an action, its coordinates on the real screen."""
    what = f" '{action.target}'" if action.target else ""
    reason = action.reason or ""
    if action.action in ("done", "fail", "wait"):
        word = action.action.upper()
        return PlannedStep(word, {"DONE": "done", "FAIL": "give up", "WAIT": "wait"}[word], reason)
    if action.action == "type":
        source = f"import pyautogui; pyautogui.write({action.text!r})"
        return PlannedStep(source, f"type {_quoted(action.text or '')}", reason)
    if action.action == "hotkey":
        keys = ", ".join(repr(k.lower()) for k in action.keys or [])
        return PlannedStep(
            f"import pyautogui; pyautogui.hotkey({keys})",
            f"press {'+'.join(action.keys or [])}",
            reason,
        )
    point = None
    if action.x is not None and action.y is not None:
        point = frame.to_screen(action.x, action.y)
    if action.action == "scroll":
        at = f", {point[0]}, {point[1]}" if point else ""
        where = f" at {point}" if point else ""
        return PlannedStep(
            f"import pyautogui; pyautogui.scroll({action.amount}{at})",
            f"scroll {action.amount}{where}",
            reason,
        )
    assert point is not None  # click and double_click need x and y (validated above)
    x, y = point
    if action.action == "double_click":
        source = f"import pyautogui; pyautogui.doubleClick({x}, {y}, button='left')"
        return PlannedStep(source, f"double-click{what} at ({x}, {y})", reason)
    source = f"import pyautogui; pyautogui.click({x}, {y}, clicks=1, button='left')"
    return PlannedStep(source, f"click{what} at ({x}, {y})", reason)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def is_risky(function_names: list[str]) -> bool:
    """Anything but clicks, moves and scrolls (typing, keys, drags, clipboard) is risky."""
    return any(name not in SAFE_FUNCTIONS for name in function_names)


class BuiltInPlanner:
    """Asks a vision model on the fleet for the next step."""

    def __init__(self, fleet: Fleet, model: str, *, timeout_s: float = 120.0) -> None:
        self.fleet = fleet
        self.model = model
        self.timeout_s = timeout_s

    async def next_step(self, task: str, frame: Frame, history: list[str]) -> PlannedStep:
        done = "\n".join(f"{n}. {line}" for n, line in enumerate(history, 1)) or "nothing yet"
        prompt = f"Task: {task}\nSteps so far:\n{done}\nWhat is the next step?"
        system = PLANNER_PROMPT.format(width=frame.width, height=frame.height)
        request = ChatRequest(
            model=self.model,
            messages=[
                ChatMessage(role="system", content=system),
                ChatMessage(role="user", content=prompt, images=[frame.jpeg_b64]),
            ],
            options={"temperature": 0},
        )

        async def answer() -> str:
            return "".join([delta.content async for delta in self.fleet.chat(request)])

        try:
            text = await asyncio.wait_for(answer(), self.timeout_s)
        except TimeoutError as exc:
            raise PlanError(f"the planner gave no answer within {self.timeout_s:g} s") from exc
        return to_step(parse_answer(text), frame)
