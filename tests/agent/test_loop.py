"""The Agent-S loop on the real screen: planner equipment that reads the screenshot it got,
the validator, the agent host clicking a real Tk window."""

from __future__ import annotations

import json

import pytest

from alphaomega import chat, runtime
from alphaomega.agent import AgentModel, AgentSettings
from alphaomega.fleet import Fleet, parse_fleet, set_fleet

from .conftest import PLANNER_MODEL


@pytest.fixture
def model(pack, planner_sim):
    set_fleet(Fleet(parse_fleet(planner_sim.url)))
    return AgentModel()


def run(model, messages, **valves):
    settings = AgentSettings(model=PLANNER_MODEL, settle_s=1.0, **valves)

    async def collect():
        texts, statuses = [], []
        async for event in model._chat_events(messages, settings):
            if isinstance(event, chat.Text):
                texts.append(event.text)
            elif isinstance(event, chat.Status):
                statuses.append(event.description)
        return "".join(texts), statuses

    return runtime.call(collect(), timeout=120)


def ask(text):
    return [{"role": "user", "content": text}]


def test_click_the_submit_button_closes_the_loop_on_the_real_screen(
    model, planner, host_env, window
):
    text, statuses = run(model, ask("Click the Submit button"), mode="auto")
    x, y, w, h = window.widget("Submit")
    clicks = window.wait_for(1)
    assert [c["button"] for c in clicks] == ["Submit"]
    assert "Step 1/8: ✓ click 'Submit' at (" in text
    clicked = text.split("click 'Submit' at (", 1)[1].split(")", 1)[0]
    cx, cy = (int(v) for v in clicked.split(", "))
    assert x <= cx < x + w and y <= cy < y + h
    assert "✓ Done after 1 action(s)" in text
    assert any(s.startswith("Step 2/8: looking") for s in statuses)
    assert planner.seen[0] == (1152, 720)  # 1280×800 fitted into 1280×720


def test_observe_mode_plans_and_never_acts(model, planner, host_env, window):
    text, _ = run(model, ask("Click the Submit button"), mode="observe")
    assert "would click 'Submit'" in text and "observe mode: nothing done" in text
    assert window.wait_for(1, timeout=1.5) == []


@pytest.mark.parametrize(
    "answer,why",
    [
        ("Sure! I will click the button.", "did not answer with a JSON action"),
        ('{"action": "click", "x": 10', "did not answer with a JSON action"),
        ('{"action": "click", "y": 5}', "'click' needs x"),
        ('{"action": "teleport"}', "invalid"),
        ('{"action": "click", "x": 5000, "y": 100}', "outside the 1280x800 screen"),
        ('{"action": "type", "text": "rm -rf ~/\\n"}', "refused type"),
        ('{"action": "hotkey", "keys": ["ctrl", "alt", "delete"]}', "refused press"),
    ],
)
def test_bad_planner_answers_are_refused_with_a_readable_line_and_the_run_goes_on(
    model, planner, planner_sim, host_env, window, answer, why
):
    planner_sim.queue_replies(answer)  # the first step's answer; later steps read the screen
    text, _ = run(model, ask("Click the Submit button"), mode="auto")
    first = text.split("\n\n")[0]
    assert first.startswith("Step 1/8: ✗") and why in first, text
    assert "Step 2/8: ✓ click 'Submit'" in text
    assert "✓ Done after 1 action(s): click 'Submit'" in text  # the refused step is no action
    assert [c["button"] for c in window.wait_for(1)] == ["Submit"]


def test_two_refusals_in_a_row_end_the_run_cleanly(model, planner, planner_sim, host_env, window):
    planner_sim.queue_replies("nonsense", '{"action": "click", "x": -4, "y": 9}')
    text, _ = run(model, ask("Click the Submit button"), mode="auto")
    assert "Ended: " in text
    assert window.wait_for(1, timeout=1.5) == []


def test_the_step_limit_ends_the_run(model, planner, planner_sim, host_env, window):
    planner_sim.queue_replies(*['{"action": "wait"}'] * 3)
    text, _ = run(model, ask("Click the Submit button"), mode="auto", max_steps=2)
    assert "Stopped at the step limit (2)" in text
    assert window.clicks() == []


def test_confirm_mode_waits_for_yes_before_typing(model, planner, planner_sim, host_env, window):
    planner_sim.queue_replies('{"action": "type", "text": "hello"}')
    first, _ = run(model, ask("Type hello into the field"), mode="confirm")
    assert "⏸ type 'hello' needs your OK" in first
    assert window.clicks() == []
    fx, fy = window.centre("field")
    # the person clicks into the field, then says yes: the pending step is typed for real
    history = ask("Type hello into the field") + [{"role": "assistant", "content": first}]
    planner_sim.queue_replies('{"action": "done"}')
    nope, _ = run(model, [*history, {"role": "user", "content": "no"}], mode="confirm")
    assert nope.startswith("Cancelled")
    import httpx

    httpx.post(
        host_env.url + "/act",
        json={"action": f"import pyautogui; pyautogui.click({fx}, {fy})"},
        headers={"Authorization": f"Bearer {host_env.token}"},
    ).raise_for_status()
    second, _ = run(model, [*history, {"role": "user", "content": "yes"}], mode="confirm")
    assert "Step 1/8: ✓ type 'hello'" in second
    sx, sy = window.centre("Submit")
    httpx.post(
        host_env.url + "/act",
        json={"action": f"import pyautogui; pyautogui.click({sx}, {sy})"},
        headers={"Authorization": f"Bearer {host_env.token}"},
    ).raise_for_status()
    assert window.wait_for(1)[0]["text"] == "hello"


def test_stop_in_the_chat_stops_the_host_until_resume(model, planner, host_env, window):
    text, _ = run(model, ask("stop"))
    assert "Stopped" in text
    try:
        refused, _ = run(model, ask("Click the Submit button"), mode="auto")
        assert "refused the action" in refused and "stopped" in refused
        assert window.wait_for(1, timeout=1.5) == []
    finally:
        resumed, _ = run(model, ask("resume"))
    assert "Resumed" in resumed
    lines = [json.loads(x) for x in host_env.audit_path.read_text().splitlines()]
    assert lines[-1]["rules"] == ["stopped"]


def test_host_down_is_a_readable_line_naming_its_url(model, planner, monkeypatch):
    monkeypatch.setenv("ALPHAOMEGA_AGENT_URL", "http://127.0.0.1:9")
    text, _ = run(model, ask("Click the Submit button"), mode="auto")
    assert "agent host at http://127.0.0.1:9 is not reachable" in text


def test_closing_the_reply_ends_the_run_before_its_next_action(model, planner, host_env, window):
    """Stop in Open WebUI closes the reply: no action is sent after that."""
    planner.done = None  # never done: it would click Cancel at every step

    async def first_action_then_stop():
        settings = AgentSettings(model=PLANNER_MODEL, mode="auto", settle_s=0.5, max_steps=8)
        events = model._chat_events(ask("Click the Cancel button"), settings)
        async for event in events:
            if isinstance(event, chat.Text) and "✓" in event.text:
                break
        await events.aclose()

    runtime.call(first_action_then_stop(), timeout=120)
    assert [c["button"] for c in window.wait_for(1)] == ["Cancel"]
    assert len(window.wait_for(2, timeout=3.0)) == 1
