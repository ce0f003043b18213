"""The Agent-S planner: an AgentS3-like agent (gui-agents' interface) whose exec_code strings go
through the validator and the host, never exec. gui-agents itself is not installed here: the
equipment imitates AgentS3.predict and asks the planner equipment over the OpenAI chat API."""

from __future__ import annotations

import logging
import sys

import pytest

from alphaomega import chat, runtime
from alphaomega.agent import AgentModel, AgentSettings, AgentSPlanner, engine_params
from alphaomega.errors import ConfigError
from alphaomega.fleet import Fleet, parse_fleet, set_fleet
from alphaomega.testing.screen_planner import FakeAgentS3

from .conftest import GROUNDING_MODEL, PLANNER_MODEL


class ScriptedAgentS3:
    """Answers the exec_code strings it is given, in order (Agent-S's output format)."""

    def __init__(self, codes):
        self.codes = list(codes)

    def predict(self, instruction, observation):
        assert observation["screenshot"].startswith(b"\x89PNG")
        return {"plan": "scripted"}, [self.codes.pop(0)]

    def reset(self):
        pass


@pytest.fixture
def fleet(pack, planner_sim):
    fleet = Fleet(parse_fleet(planner_sim.url))
    set_fleet(fleet)
    return fleet


def run_with(agent_factory, task, **valves):
    model = AgentModel()
    model.planner = lambda settings: AgentSPlanner(agent_factory)  # the planner valve's choice
    settings = AgentSettings(model=PLANNER_MODEL, planner="agent-s", settle_s=1.0, **valves)

    async def collect():
        parts = []
        async for event in model._chat_events([{"role": "user", "content": task}], settings):
            if isinstance(event, chat.Text):
                parts.append(event.text)
        return "".join(parts)

    return runtime.call(collect(), timeout=120)


def test_agent_s_clicks_submit_on_the_real_screen(fleet, planner, planner_sim, host_env, window):
    made = []

    async def factory(width, height):
        params = await engine_params(fleet, PLANNER_MODEL)
        assert params["base_url"] == planner_sim.url + "/v1"
        made.append(FakeAgentS3(params["base_url"], PLANNER_MODEL, width, height))
        return made[-1]

    text = run_with(factory, "Click the Submit button", mode="auto")
    assert [c["button"] for c in window.wait_for(1)] == ["Submit"]
    assert "Step 1/8: ✓ click at (" in text and "✓ Done after 1 action(s)" in text
    assert (made[0].width, made[0].height) == (1280, 800)  # the real screen, not the image


def test_agent_s_code_that_would_exec_is_refused_and_never_run(fleet, host_env, window):
    sx, sy = window.centre("Submit")
    codes = [
        f"import pyautogui; pyautogui.click({sx}, {sy}); import os; os.system('touch /tmp/x')",
        'exec("import pyautogui; pyautogui.click(1, 1)")',
    ]

    async def factory(width, height):
        return ScriptedAgentS3(codes)

    text = run_with(factory, "Click Submit", mode="auto")
    assert text.count("✗ refused") == 2 and "Ended:" in text
    assert window.wait_for(1, timeout=1.5) == []


def test_the_real_agents3_clicks_submit_and_its_plan_code_is_never_evaluated(
    fleet, planner, host_env, window
):
    """gui-agents' own AgentS3 and OSWorldACI, engines on the simulator's OpenAI API: its
    worker's plan code goes through the pack's reader (its eval is gone), the grounding answer
    is scaled by the library, the code is validated and replayed by the host."""
    pytest.importorskip("gui_agents.s3.agents.agent_s")
    from gui_agents.s3.utils import common_utils

    from alphaomega.agent._agent_s import agent_s_planner

    model = AgentModel()
    settings = AgentSettings(
        model=PLANNER_MODEL,
        planner="agent-s",
        grounding_model=GROUNDING_MODEL,
        mode="auto",
        settle_s=1.0,
    )
    model.planner = lambda valves: agent_s_planner(fleet, valves)

    async def collect():
        parts = []
        task = [{"role": "user", "content": "Click the Submit button"}]
        async for event in model._chat_events(task, settings):
            if isinstance(event, chat.Text):
                parts.append(event.text)
        return "".join(parts)

    text = runtime.call(collect(), timeout=300)
    assert common_utils.create_pyautogui_code.__module__ == "alphaomega.agent._agent_s_code"
    assert not logging.getLogger("desktopenv.agent").isEnabledFor(logging.INFO)  # chat text
    assert [c["button"] for c in window.wait_for(1)] == ["Submit"]
    assert "Step 1/8: ✓ click at (" in text and "✓ Done after 1 action(s)" in text
    x, y, w, h = window.widget("Submit")
    clicked = text.split("click at (", 1)[1].split(")", 1)[0]
    cx, cy = (int(v) for v in clicked.split(", "))
    assert x <= cx < x + w and y <= cy < y + h


def test_without_gui_agents_the_valve_says_what_to_install(fleet, host_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "gui_agents.s3.agents.agent_s", None)  # not installed
    model = AgentModel()
    settings = AgentSettings(model=PLANNER_MODEL, planner="agent-s")

    async def collect():
        parts = []
        async for event in model._chat_events([{"role": "user", "content": "Click"}], settings):
            if isinstance(event, chat.Text):
                parts.append(event.text)
        return "".join(parts)

    assert "pip install gui-agents" in runtime.call(collect(), timeout=60)


def test_engine_params_need_an_instance_serving_the_model(fleet):
    with pytest.raises(ConfigError):
        runtime.call(engine_params(fleet, "nothing:1b"), timeout=60)
