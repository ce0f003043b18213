"""The Agent-S planner: gui-agents' ``AgentS3`` with its engines on the fleet's OpenAI API.

``AgentS3.predict(instruction, observation={"screenshot": png})`` answers ``(info, [code])``;
the code is pyautogui source (or DONE / FAIL / WAIT). Agent-S's own CLI ``exec()``s it; here it
is only a proposal: the loop validates it, and the agent host validates it again and replays
the parsed calls. The library's own ``eval()`` of the model's plan code is replaced by an AST
reader first (``_agent_s_code``). ``gui-agents`` is an optional install (it brings paddleocr
and more).
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, Protocol

from PIL import Image

from ..errors import ConfigError
from ..fleet import Fleet
from ..safety import validate_action
from ._agent_s_code import install_code_reader
from ._client import Frame
from ._desktop import describe_call
from ._planner import PlanError, PlannedStep
from ._settings import AgentSettings

GUI_AGENTS_LOGGER = "desktopenv.agent"
INSTALL = (
    "The Agent-S planner needs gui-agents (pip install gui-agents) and a grounding model such "
    "as UI-TARS-1.5-7B on the fleet; or set the planner valve to built-in."
)


class AgentS3Like(Protocol):
    def predict(self, instruction: str, observation: dict[str, Any]) -> tuple[Any, list[str]]: ...
    def reset(self) -> None: ...


async def engine_params(fleet: Fleet, model: str, **extra: Any) -> dict[str, Any]:
    """Agent-S engine parameters for ``model`` on the fleet instance that serves it (``/v1``)."""
    choices = fleet.plan(model)
    if not choices:  # not probed yet, or the model is new there
        await fleet.refresh()
        choices = fleet.plan(model)
    by_name = {state.name: state for state in fleet.instances}
    if not choices:
        raise ConfigError(f"no fleet instance serves {model} for Agent-S")
    url = by_name[choices[0].name].config.url
    return {
        "engine_type": "openai",
        "model": model,
        "base_url": f"{url}/v1",
        "api_key": "alphaomega",
        "temperature": 0,
        **extra,
    }


def agent_s_planner(fleet: Fleet, settings: AgentSettings) -> AgentSPlanner:
    try:
        from gui_agents.s3.agents.agent_s import AgentS3  # type: ignore[import-not-found]
        from gui_agents.s3.agents.grounding import OSWorldACI  # type: ignore[import-not-found]

        install_code_reader()  # its eval() of the model's plan code, replaced by a reader
        # It logs the model's plans and the task (chat text) at INFO: kept out of the logs.
        logging.getLogger(GUI_AGENTS_LOGGER).setLevel(logging.WARNING)
    except ImportError as exc:
        raise ConfigError(INSTALL) from exc

    async def build(width: int, height: int) -> AgentS3Like:
        main = await engine_params(fleet, settings.model)
        grounding = await engine_params(
            fleet,
            settings.grounding_model,
            grounding_width=settings.grounding_width,
            grounding_height=settings.grounding_height,
        )
        aci = OSWorldACI(
            env=None,
            platform="linux",
            engine_params_for_generation=main,
            engine_params_for_grounding=grounding,
            width=width,
            height=height,
        )
        return AgentS3(main, aci, platform="linux", max_trajectory_length=8, enable_reflection=True)

    return AgentSPlanner(build)


class AgentSPlanner:
    """Wraps an ``AgentS3``-like agent as the loop's planner; ``build(width, height)`` (async)
    makes it for the real screen's size on the first step."""

    def __init__(self, build: Any) -> None:
        self._build = build
        self._agent: AgentS3Like | None = None

    async def next_step(self, task: str, frame: Frame, history: list[str]) -> PlannedStep:
        if self._agent is None:
            self._agent = await self._build(frame.screen_width, frame.screen_height)
        agent = self._agent
        try:
            info, actions = await asyncio.to_thread(
                agent.predict, instruction=task, observation={"screenshot": as_png(frame.image)}
            )
        except Exception as exc:  # a library of its own: whatever it raises ends this step
            raise PlanError(f"Agent-S failed to plan ({exc.__class__.__name__}: {exc})") from exc
        code = str(actions[0]).strip() if actions else "FAIL"
        reason = str(info.get("plan", ""))[:300] if isinstance(info, dict) else ""
        return PlannedStep(code, describe_source(code, frame), reason)


def as_png(data: bytes) -> bytes:
    """Agent-S is given a PNG, as its own screenshots are."""
    if data.startswith(b"\x89PNG"):
        return data
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()


def describe_source(code: str, frame: Frame) -> str:
    verdict = validate_action(code, screen=(frame.screen_width, frame.screen_height))
    if verdict.control:
        return {"DONE": "done", "FAIL": "give up", "WAIT": "wait"}[verdict.control]
    if not verdict.calls:
        return "an action that could not be read"
    return ", ".join(describe_call(call) for call in verdict.calls)
