"""A real X display with a Tk window of the tests' own, and the agent host driving it."""

from __future__ import annotations

import pytest

from alphaomega.testing.agent_host import AgentHostProcess
from alphaomega.testing.desktop import TargetWindow, VirtualDisplay

TOKEN = "agent-test-token-not-secret"


@pytest.fixture(scope="module")
def display():
    with VirtualDisplay(1280, 800) as running:
        yield running


@pytest.fixture(scope="module")
def agent_host(display, tmp_path_factory):
    with AgentHostProcess(display, tmp_path_factory.mktemp("agent-host"), TOKEN) as host:
        yield host


@pytest.fixture
def window(display, tmp_path):
    with TargetWindow(display, tmp_path / "window.jsonl") as target:
        yield target


PLANNER_MODEL = "qwen2.5vl:7b"
SCREEN_MODEL = "llava:34b"
GROUNDING_MODEL = "ui-tars-1.5-7b"


@pytest.fixture(scope="module")
def planner_sim():
    """An Ollama simulator whose vision models answer from the screenshot they receive."""
    from alphaomega.testing.ollama_sim import OllamaSim, model_from_spec

    models = [
        model_from_spec(PLANNER_MODEL).model_copy(update={"vision": True}),
        model_from_spec(SCREEN_MODEL),
        model_from_spec(GROUNDING_MODEL).model_copy(update={"vision": True}),
    ]
    with OllamaSim(models=models, vram="48GB", num_parallel=4, time_scale=0.001) as instance:
        yield instance


@pytest.fixture
def planner(planner_sim):
    from alphaomega.testing.desktop import COLOURS
    from alphaomega.testing.screen_planner import ScreenPlanner

    equipment = ScreenPlanner(
        {name: COLOURS[name] for name in ("Submit", "Cancel", "field")},
        done=COLOURS["label_submitted"],
    )
    planner_sim.set_reply(equipment)
    yield equipment
    planner_sim.set_reply(None)
    planner_sim.app.replies.clear()


@pytest.fixture
def host_env(agent_host, monkeypatch):
    monkeypatch.setenv("ALPHAOMEGA_AGENT_URL", agent_host.url)
    monkeypatch.setenv("ALPHAOMEGA_AGENT_TOKEN", TOKEN)
    return agent_host
