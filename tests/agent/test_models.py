"""Screen and Agent-S through the real Pipelines server, called the way Open WebUI calls it."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from alphaomega.testing import PipelinesServer, free_port, streamed_text

from .conftest import TOKEN

SCREEN = "alphaomega_screen.screen"
AGENT = "alphaomega_agent.agent-s"


@pytest.fixture(scope="module")
def server(planner_sim, agent_host, tmp_path_factory):
    env = {
        "ALPHAOMEGA_FLEET": planner_sim.url,
        "ALPHAOMEGA_AGENT_URL": agent_host.url,
        "ALPHAOMEGA_AGENT_TOKEN": TOKEN,
    }
    with PipelinesServer(tmp_path_factory.mktemp("pipelines-agent"), env=env) as running:
        yield running


@pytest.fixture(scope="module")
def server_without_host(planner_sim, tmp_path_factory):
    dead = f"http://127.0.0.1:{free_port()}"
    env = {"ALPHAOMEGA_FLEET": planner_sim.url, "ALPHAOMEGA_AGENT_URL": dead}
    with PipelinesServer(tmp_path_factory.mktemp("pipelines-nohost"), env=env) as running:
        running.dead_url = dead
        yield running


def statuses(payloads):
    return [
        p["event"]["data"]["description"]
        for p in payloads
        if isinstance(p, dict) and isinstance(p.get("event"), dict)
    ]


def test_both_models_are_listed(server):
    names = {m["id"]: m["name"] for m in server.models()}
    assert names[SCREEN] == "AlphaOmega · Screen"
    assert names[AGENT] == "AlphaOmega · Agent-S"


def test_whats_on_my_screen_answers_with_a_description_and_a_thumbnail(server, planner, window):
    payloads = server.stream(SCREEN, [{"role": "user", "content": "What's on my screen?"}])
    text = streamed_text(payloads)
    assert "The screen (1152x720) shows a window with: Submit, Cancel, field." in text
    match = re.search(r"!\[Screen 1280×800\]\(data:image/jpeg;base64,([A-Za-z0-9+/=]+)\)", text)
    assert match, text[:300]
    thumb = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    assert thumb.size == (320, 200)
    assert "Looked at the screen (1280×800)" in statuses(payloads)
    assert payloads[-1] == "[DONE]"


def test_screen_without_its_host_names_the_url(server_without_host):
    payloads = server_without_host.stream(SCREEN, [{"role": "user", "content": "what's up"}])
    text = streamed_text(payloads)
    assert f"The agent host at {server_without_host.dead_url} is not reachable" in text
    assert "alphaomega agent-host" in text


def test_click_the_submit_button_through_the_server(server, planner, window):
    payloads = server.stream(AGENT, [{"role": "user", "content": "Click the Submit button"}])
    text = streamed_text(payloads)
    assert [c["button"] for c in window.wait_for(1)] == ["Submit"]
    assert "Step 1/8: ✓ click 'Submit' at (" in text and "✓ Done after 1 action(s)" in text
    assert any(s.startswith("Step 1/8: click 'Submit'") for s in statuses(payloads))


def test_agent_without_its_host_names_the_url(server_without_host):
    payloads = server_without_host.stream(AGENT, [{"role": "user", "content": "Click Submit"}])
    assert f"The agent host at {server_without_host.dead_url} is not reachable" in (
        streamed_text(payloads)
    )


AUTO = "alphaomega_auto.auto"


def test_auto_sends_a_look_to_screen_and_a_click_to_agent_s(server, planner, window):
    look = server.stream(AUTO, [{"role": "user", "content": "What's on my screen?"}])
    assert any(s.startswith("Auto → Screen") for s in statuses(look))
    assert "shows a window with: Submit, Cancel, field." in streamed_text(look)
    assert window.clicks() == []
    act = server.stream(AUTO, [{"role": "user", "content": "Click the Submit button"}])
    assert any(s.startswith("Auto → Agent-S") for s in statuses(act))
    assert "✓ Done after 1 action(s)" in streamed_text(act)
    assert [c["button"] for c in window.wait_for(1)] == ["Submit"]


def test_through_auto_a_risky_step_waits_for_yes_and_then_types(
    server, planner, planner_sim, window, agent_host
):
    fx, fy = window.centre("field")
    with agent_host.client() as client:  # the person put the cursor into the field
        client.post("/act", json={"action": f"import pyautogui; pyautogui.click({fx}, {fy})"})
    planner_sim.queue_replies('{"action": "type", "text": "typed by agent"}')
    task = [{"role": "user", "content": "Type 'typed by agent' into the text field"}]
    first = streamed_text(server.stream(AUTO, task))
    assert "⏸ type 'typed by agent' needs your OK" in first
    other = [*task, {"role": "assistant", "content": first}, {"role": "user", "content": "hm?"}]
    other[-1]["content"] = "What's on my screen?"  # not an answer to the step: routed as usual
    assert any(s.startswith("Auto → Screen") for s in statuses(server.stream(AUTO, other)))
    planner_sim.queue_replies('{"action": "done"}')
    history = [*task, {"role": "assistant", "content": first}, {"role": "user", "content": "yes"}]
    second = server.stream(AUTO, history)
    assert any(s.startswith("Auto → Agent-S") for s in statuses(second))
    assert "Step 1/8: ✓ type 'typed by agent'" in streamed_text(second)
    sx, sy = window.centre("Submit")
    with agent_host.client() as client:
        client.post("/act", json={"action": f"import pyautogui; pyautogui.click({sx}, {sy})"})
    assert window.wait_for(1)[0]["text"] == "typed by agent"
